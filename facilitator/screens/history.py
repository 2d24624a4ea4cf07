"""Session history: every session by group and date, filterable; enter opens one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Label

from facilitator.screens.table_screen import BoxedTableScreen, table_keys
from facilitator.store.models import Status
from facilitator.widgets.plain import plain


class HistoryScreen(BoxedTableScreen):
    """Sessions newest first, with attendance counts and whether each is signed."""

    HELP_TITLE = "History — keys"
    BINDINGS = table_keys(
        "history",
        Binding("enter", "open", "Open session", key_display="enter", id="history.open"),
        Binding("slash", "focus_filter", "Filter", key_display="/", id="history.filter"),
        Binding("x", "export", "Export", id="history.export"),
        Binding("t", "audit", "Audit trail", id="history.audit"),
    )

    def compose(self) -> ComposeResult:
        yield Label("Session history", id="home-title")
        yield Input(placeholder="/ filter by group, topic or facilitator", id="history-filter")
        self.table = DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield self.table
        yield Footer()

    def on_screen_resume(self) -> None:
        # Also runs when the screen is first shown: load once, then on every return to it.
        self.reload()

    def reload(self, text: str = "") -> None:
        """Reload the list (optionally filtered)."""
        from facilitator.reports.history import list_sessions

        self.table.clear(columns=True)
        self.table.add_columns(
            "date", "group", "topic", "facilitator", "attended", "absent", "state"
        )
        with self.database.session() as db:
            rows = list_sessions(db, group_id=self.group_id, text=text)
        for row in rows:
            state = (
                "signed" if row.signed else {"ended": "unsigned"}.get(row.state, row.state.upper())
            )
            self.table.add_row(
                row.local_date.isoformat(),
                plain(row.group),
                plain(row.topic),
                plain(row.facilitator),
                str(row.attended),
                str(row.counts[Status.ABSENT]),
                state,
                key=row.id,
            )

    @on(Input.Changed, "#history-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.reload(event.value)

    def open_row(self, key: str) -> None:
        """Open the session."""
        from facilitator.screens.session_detail import SessionDetailScreen

        self.app.push_screen(SessionDetailScreen(self.database, key))

    def action_export(self) -> None:
        """Export session logs (CSV, JSON or HTML) with a progress bar."""
        from facilitator.screens.export_dialog import ExportScreen

        self.app.push_screen(ExportScreen(self.database))

    def action_audit(self) -> None:
        """Who did what, when."""
        from facilitator.screens.audit_screen import AuditScreen

        self.app.push_screen(AuditScreen(self.database))

    def action_focus_filter(self) -> None:
        """Type to filter the list."""
        self.query_one("#history-filter", Input).focus()
