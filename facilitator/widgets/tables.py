"""Small helpers for the DataTables the screens list things in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from textual.widgets import DataTable

R = TypeVar("R")

Column = tuple[str, Callable[[R], Any]]
"""A table column: its header, and the cell it shows for a record."""


def selected_key(table: DataTable[Any]) -> str | None:
    """The row key under the cursor (rows are keyed by record id), or None for an empty table."""
    if table.row_count == 0:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def fill_rows(
    table: DataTable[Any], columns: Sequence[Column[R]], rows: Iterable[tuple[str, R]]
) -> None:
    """Show `rows` (key, record) in `table` under `columns`, in place of what it showed."""
    table.clear(columns=True)
    table.add_columns(*(header for header, _ in columns))
    for key, record in rows:
        table.add_row(*(cell(record) for _, cell in columns), key=key)
