"""A report over a date range in a table: the dates typed in the boxes, the figures read off the
event loop (the table shows it is loading meanwhile), then drawn."""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from rich.text import Text
from textual.widgets import Label

from facilitator.errors import UserError
from facilitator.screens.table_screen import BoxedTableScreen

T = TypeVar("T")


class RangeReportScreen(BoxedTableScreen, Generic[T]):
    """Reads a report for the dates in the boxes (`read`, in a thread) and shows it (`draw`)."""

    def on_mount(self) -> None:
        # (`TableScreen.on_mount` focuses the table: Textual runs each class's handler.)
        self.reload()

    def reload(self) -> None:
        """Show the report for the dates in the boxes (default: everything up to today)."""
        try:
            date_from = self.typed_date("#report-from", "from")
            date_to = self.typed_date("#report-to", "to")
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        # On opening and after `enter` in a box, the table has the focus once loaded.
        self.load(self.table, lambda: self.read(date_from, date_to), self.draw, focus=True)

    def read(self, date_from: dt.date | None, date_to: dt.date | None) -> T:
        """The report for these dates (None: the default); runs in a thread."""
        raise NotImplementedError

    def draw(self, report: T) -> None:
        """Show the report read."""
        raise NotImplementedError

    def show_heading(
        self, title: Text, what: str, span: tuple[dt.date, dt.date], weekly: float, daily: float
    ) -> None:
        """`title · what from to to · minimum 9 h/week, 3 h/day`, and the dates in the boxes."""
        date_from, date_to = span
        self.query_one("#home-title", Label).update(
            Text.assemble(
                title,
                f"  ·  {what}{date_from} to {date_to}"
                f"  ·  minimum {weekly:g} h/week, {daily:g} h/day",
            )
        )
        self.show_range(date_from, date_to)

    def box_submitted(self) -> None:
        """Show the dates typed."""
        self.reload()
