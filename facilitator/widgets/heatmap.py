"""A calendar heat map of attendance: weekdays down, ISO weeks across, a glyph and colour each."""

from __future__ import annotations

import datetime as dt

from textual.content import Content
from textual.widgets import Static

from facilitator.store.models import Status

GLYPH = {
    Status.PRESENT: ("●", "$success"),
    Status.LATE: ("◐", "$warning"),
    Status.LEFT_EARLY: ("◑", "$warning"),
    Status.EXCUSED: ("○", "$primary"),
    Status.ABSENT: ("✕", "$error"),
}
NO_SESSION = ("·", "$text-muted")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def legend() -> Content:
    """What each glyph means (the map reads without colour too)."""
    parts: list[str | tuple[str, str]] = []
    for status, (glyph, style) in GLYPH.items():
        parts += [(glyph, style), f" {status.word}   "]
    parts += [NO_SESSION, " no session"]
    return Content.assemble(*parts)


def heatmap(
    days: dict[dt.date, Status], first: dt.date, last: dt.date, max_weeks: int = 26
) -> Content:
    """Rows Mon..Sun, one column per ISO week from `first` to `last` (the latest `max_weeks`)."""
    last_monday = last - dt.timedelta(days=last.weekday())
    first_monday = first - dt.timedelta(days=first.weekday())
    weeks = (last_monday - first_monday).days // 7 + 1
    if weeks > max_weeks:
        first_monday = last_monday - dt.timedelta(weeks=max_weeks - 1)
        weeks = max_weeks
    mondays = [first_monday + dt.timedelta(weeks=i) for i in range(weeks)]
    parts: list[str | tuple[str, str]] = [("W   ", "$text-muted")]
    for monday in mondays:
        parts.append((f"{monday.isocalendar()[1]:02d} ", "$text-muted"))
    parts.append("\n")
    for weekday, name in enumerate(DAYS):
        parts.append(f"{name} ")
        for monday in mondays:
            day = monday + dt.timedelta(days=weekday)
            status = days.get(day)
            if day < first or day > last:
                parts.append("   ")
            elif status is None:
                parts += [NO_SESSION, "  "]
            else:
                parts += [GLYPH[status], "  "]
        parts.append("\n")
    return Content.assemble(*parts)


class HeatMap(Static):
    """The heat map with its legend beneath."""

    def show(self, days: dict[dt.date, Status], first: dt.date, last: dt.date) -> None:
        """Draw the attendance from `first` to `last`."""
        self.update(Content.assemble(heatmap(days, first, last), "\n", legend()))
