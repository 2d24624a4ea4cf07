"""Hours per ISO week as bars against the weekly minimum, with the figures as text."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from facilitator.reports.member import WeekHours

WIDTH = 30


def week_bars(weeks: list[WeekHours], minimum: float, max_weeks: int = 12) -> Content:
    """One line per week (latest `max_weeks`): label, bar, hours, and a mark when below minimum."""
    shown = weeks[-max_weeks:]
    if not shown:
        return Content("No weeks in this range yet.")
    scale = max([minimum * 1.5, *(w.hours for w in shown)])
    parts: list[str | tuple[str, str]] = []
    for week in shown:
        cells = week.hours / scale * WIDTH
        full = int(cells)
        bar = "█" * full + ("▌" if cells - full >= 0.5 else "")
        below = week.hours < minimum - 1e-9
        mark = int(minimum / scale * WIDTH)
        track = bar.ljust(WIDTH)
        track = track[:mark] + ("│" if len(bar) <= mark else track[mark]) + track[mark + 1 :]
        parts += [
            f"{week.iso_year}-W{week.iso_week:02d} ",
            (track, "$error" if below else "$success"),
            f" {week.hours:5.2f} h",
            ("  below minimum" if below else "", "$error"),
            "\n",
        ]
    parts.append((f"│ marks the weekly minimum of {minimum:g} h", "$text-muted"))
    return Content.assemble(*parts)


class WeekBars(Static):
    """The chart."""

    def show(self, weeks: list[WeekHours], minimum: float) -> None:
        """Draw the weeks."""
        self.update(week_bars(weeks, minimum))
