"""The audit trail: who did what, when (newest first)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from facilitator.screens.commands import ScreenActions
from facilitator.screens.work_queue import WorkScreen
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import Column, fill_rows

if TYPE_CHECKING:
    from facilitator.store.audit import AuditLine


@dataclass(frozen=True)
class ShownLine:
    """An audit line and the time zone its time is shown in."""

    line: AuditLine
    tz: str


def _when(shown: ShownLine) -> str:
    from facilitator.common.timeutil import local_minute

    return local_minute(shown.line.at, shown.tz)


COLUMNS: tuple[Column[ShownLine], ...] = (
    ("when", _when),
    ("who", lambda shown: plain(shown.line.actor)),
    ("what", lambda shown: shown.line.action),
    ("session", lambda shown: (shown.line.session_id or "")[:8]),
    ("member", lambda shown: plain(shown.line.participant)),
    (
        "details",
        lambda shown: plain(json.dumps(shown.line.detail, sort_keys=True)[:80], lines=True),
    ),
)


class AuditScreen(WorkScreen):
    """The latest 1,000 events (all of them: `facilitator export audit`)."""

    COMMANDS = {ScreenActions}
    BINDINGS = [Binding("escape", "back", "Back", id="audit.back")]

    def __init__(self, database: Database, session_id: str | None = None) -> None:
        super().__init__(database)
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        title = "Audit trail" + (" — this session" if self.session_id else " — latest 1,000 events")
        yield Label(title, id="home-title")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.load(self.query_one("#audit", DataTable), self._read, self._show)

    def _read(self) -> list[ShownLine]:
        from facilitator.store.audit import audit_lines, session_zones

        with self.database.session() as db:
            lines = list(audit_lines(db, session_id=self.session_id))
            zones, default = session_zones(db, {line.session_id for line in lines})
        return [ShownLine(line, zones.get(line.session_id or "", default)) for line in lines]

    def _show(self, lines: list[ShownLine]) -> None:
        table = self.query_one("#audit", DataTable)
        fill_rows(table, COLUMNS, ((str(i), shown) for i, shown in enumerate(lines)))

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)
