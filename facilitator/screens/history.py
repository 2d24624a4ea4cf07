"""Session history: every session by group and date, filterable; enter opens one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from facilitator.screens.debounce import Debouncer
from facilitator.screens.table_screen import BoxedTableScreen, boxed_keys
from facilitator.store.models import Status
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import Column, fill_rows

if TYPE_CHECKING:
    from facilitator.reports.history import SessionSummary


FILTER_PAUSE = 0.3
"""Seconds of no typing in the filter before the list is read again (`enter`: at once)."""


def _state(row: SessionSummary) -> str:
    """`signed`, `unsigned` (ended), or the state in capitals (`LIVE`, `VOID`)."""
    return "signed" if row.signed else {"ended": "unsigned"}.get(row.state, row.state.upper())


COLUMNS: tuple[Column[SessionSummary], ...] = (
    ("date", lambda row: row.local_date.isoformat()),
    ("group", lambda row: plain(row.group)),
    ("topic", lambda row: plain(row.topic)),
    ("facilitator", lambda row: plain(row.facilitator)),
    ("attended", lambda row: str(row.attended)),
    ("absent", lambda row: str(row.counts[Status.ABSENT])),
    ("state", _state),
)


class HistoryScreen(BoxedTableScreen):
    """Sessions newest first, with attendance counts and whether each is signed."""

    HELP_TITLE = "History — keys"
    TITLE_TEXT = "Session history"
    TABLE_ID = "sessions"
    BINDINGS = boxed_keys(
        "history",
        ("open", "Open session"),
        ("focus_filter", "filter", "Filter"),
        Binding("x", "export", "Export", id="history.export"),
        Binding("t", "audit", "Audit trail", id="history.audit"),
    )

    def boxes(self) -> ComposeResult:
        yield Input(placeholder="/ filter by group, topic or facilitator", id="history-filter")

    def on_mount(self) -> None:
        self._filter_later = Debouncer(self, FILTER_PAUSE, self.reload)

    def on_screen_resume(self) -> None:
        # Also runs when the screen is first shown: load once, then on every return to it.
        self.reload()

    def reload(self, text: str | None = None, *, focus: bool | None = None) -> None:
        """Reload the list (filtered by `text`, by default the text in the filter box), off the
        event loop; the table says it is loading meanwhile."""
        from facilitator.reports.history import list_sessions

        if text is None:
            text = self.query_one("#history-filter", Input).value

        def read() -> list[SessionSummary]:
            with self.database.session() as db:
                return list_sessions(db, group_id=self.group_id, text=text)

        self.load(self.table, read, self._show, focus)

    def _show(self, rows: list[SessionSummary]) -> None:
        fill_rows(self.table, COLUMNS, ((row.id, row) for row in rows))

    @on(Input.Changed, "#history-filter")
    def _filter(self, _event: Input.Changed) -> None:
        self._filter_later.poke()  # one read once typing pauses, not one per key

    def box_submitted(self) -> None:
        """`enter` in the filter: read the list now, then go to it."""
        self._filter_later.cancel()
        self.reload(focus=True)

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
