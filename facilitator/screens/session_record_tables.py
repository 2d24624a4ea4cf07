"""The record's tables, drawn with each column as wide as its widest cell.

The widths are measured here rather than left to the table's own measuring, which happens when
the table is next idle: a table redrawn while the screen was busy (after an addendum, a
signature) kept its columns at the width of their headings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text


def _width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def fill_table(
    table: DataTable[Any],
    headings: Sequence[str],
    rows: Sequence[tuple[Sequence[Cell], str | None]],
) -> None:
    """Replace the table's columns and rows; `rows` are (cells, key) pairs."""
    widths = [len(heading) for heading in headings]
    for cells, _key in rows:
        widths = [max(w, _width(cell)) for w, cell in zip(widths, cells, strict=True)]
    table.clear(columns=True)
    for heading, width in zip(headings, widths, strict=True):
        table.add_column(heading, width=width)
    for cells, key in rows:
        table.add_row(*cells, key=key)
