"""A screen whose main widget is one table of records: focused on mount, `enter` opens a row."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.screen import Screen
from textual.widgets import DataTable

from facilitator.widgets.tables import selected_key


class TableScreen(Screen[None]):
    """Lists records in `table`, each row keyed by its record's id; `enter` opens the row."""

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
