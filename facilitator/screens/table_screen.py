"""A screen whose main widget is one table of records: focused on mount, `enter` opens a row."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label

from facilitator.screens.commands import ScreenActions
from facilitator.screens.work_queue import WorkScreen
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.tables import selected_key


def table_keys(prefix: str, *bindings: Binding) -> list[Binding]:
    """A table screen's keys: `bindings`, then `escape` (back) and `?` (help), with ids under
    `prefix`."""
    return [
        *bindings,
        Binding("escape", "back", "Back", id=f"{prefix}.back"),
        Binding("question_mark", "help", "Help", key_display="?", id=f"{prefix}.help"),
    ]


def boxed_keys(
    prefix: str, opens: tuple[str, str], box: tuple[str, str, str], *more: Binding
) -> list[Binding]:
    """A boxed table screen's keys: `enter` opens the row (id under `prefix`, description), `/`
    goes to the boxes (action, id, description), then `more`, `escape` and `?`."""
    return table_keys(
        prefix,
        Binding("enter", "open", opens[1], key_display="enter", id=f"{prefix}.{opens[0]}"),
        Binding("slash", box[0], box[2], key_display="/", id=f"{prefix}.{box[1]}"),
        *more,
    )


RANGE_BOX = ("focus_range", "dates", "Dates")
"""`/` edits the date range (for `boxed_keys`)."""


class TableScreen(WorkScreen):
    """Lists records in `table`, each row keyed by its record's id; `enter` opens the row."""

    HELP_TITLE: ClassVar[str] = "Keys"
    """The title of the help screen `?` shows."""

    table: DataTable[Any]
    """The records (made in `compose`)."""

    def on_mount(self) -> None:
        self.table.focus()

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the record under the cursor."""
        key = selected_key(self.table)
        if key:
            self.open_row(key)

    def open_row(self, key: str) -> None:
        """Open the record whose row is keyed `key`."""
        raise NotImplementedError

    def action_help(self) -> None:
        """Show every key."""
        from facilitator.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.HELP_TITLE))


class BoxedTableScreen(TableScreen):
    """A database's records (or one group's) in a table with input boxes above it (a filter, a
    date range): `enter` or `escape` in a box goes back to the table; `escape` on the table goes
    back; every key is in the command palette."""

    COMMANDS = {ScreenActions}
    AUTO_FOCUS = "DataTable"  # the records, not the first box
    TITLE_TEXT: ClassVar[str] = ""
    """The title above the boxes (a screen may change it once loaded)."""
    TABLE_ID: ClassVar[str] = "records"

    def __init__(self, database: Database, group_id: int | None = None) -> None:
        super().__init__(database)
        self.group_id = group_id

    def compose(self) -> ComposeResult:
        yield Label(self.TITLE_TEXT, id="home-title")
        yield from self.boxes()
        self.table = DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        yield self.table
        yield Footer()

    def boxes(self) -> ComposeResult:
        """What stands between the title and the table (the date boxes by default)."""
        yield from self.range_boxes()

    def box_submitted(self) -> None:
        """What `enter` in a box does before the table is focused (nothing by default)."""

    @on(Input.Submitted)
    def _box_submitted(self, _event: Input.Submitted) -> None:
        self.box_submitted()
        self.table.focus()

    def action_back(self) -> None:
        """Back to where you came from (from a box: back to the table)."""
        if isinstance(self.focused, Input):
            self.table.focus()
        else:
            self.dismiss(None)

    def range_boxes(self) -> ComposeResult:
        """The `from` and `to` date boxes (`#report-from`, `#report-to`)."""
        with Horizontal(id="report-range"):
            yield Label("from ")
            yield Input(placeholder="YYYY-MM-DD", id="report-from", max_length=10)
            yield Label(" to ")
            yield Input(placeholder="YYYY-MM-DD", id="report-to", max_length=10)

    def typed_date(self, selector: str, what: str) -> dt.date | None:
        """The date typed in a box (None when empty); a UserError when it is not a date."""
        from facilitator.common.timeutil import parse_date

        value = self.query_one(selector, Input).value.strip()
        return parse_date(value, what) if value else None

    def show_range(self, date_from: dt.date, date_to: dt.date) -> None:
        """Show the range in force as the boxes' placeholders."""
        self.query_one("#report-from", Input).placeholder = date_from.isoformat()
        self.query_one("#report-to", Input).placeholder = date_to.isoformat()

    def action_focus_range(self) -> None:
        """Edit the date range."""
        self.query_one("#report-from", Input).focus()
