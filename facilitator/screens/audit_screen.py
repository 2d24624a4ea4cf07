"""The audit trail: who did what, when (newest first)."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from facilitator.screens.commands import ScreenActions
from facilitator.store.database import Database
from facilitator.widgets.plain import plain


class AuditScreen(Screen[None]):
    """The latest 1,000 events (all of them: `facilitator export audit`)."""

    COMMANDS = {ScreenActions}
    BINDINGS = [Binding("escape", "back", "Back", id="audit.back")]

    def __init__(self, database: Database, session_id: str | None = None) -> None:
        super().__init__()
        self.database = database
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        title = "Audit trail" + (" — this session" if self.session_id else " — latest 1,000 events")
        yield Label(title, id="home-title")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        from facilitator.common.timeutil import local_minute
        from facilitator.store.audit import audit_lines, session_zones

        table = self.query_one("#audit", DataTable)
        table.add_columns("when", "who", "what", "session", "member", "details")
        with self.database.session() as db:
            lines = list(audit_lines(db, session_id=self.session_id))
            zones, default = session_zones(db, {line.session_id for line in lines})
        for line in lines:
            tz = zones.get(line.session_id or "", default)
            table.add_row(
                local_minute(line.at, tz),
                plain(line.actor),
                line.action,
                (line.session_id or "")[:8],
                plain(line.participant),
                plain(json.dumps(line.detail, sort_keys=True)[:80], lines=True),
            )
        table.focus()

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)
