"""Hours per ISO week as bars against the weekly minimum, with the figures as text."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from facilitator.reports.member import WeekHours

WIDTH = 30


def week_bars(
    weeks: list[WeekHours],
    minimum: float,
    max_weeks: int = 12,
    parts: list[dict[str, float]] | None = None,
) -> Content:
    """One line per week (latest `max_weeks`): label, bar, hours, and a mark when below minimum;
    with `parts` (each week's hours by group, in step with `weeks`), a line of them under each
    week that has more than one group."""
    shown = weeks[-max_weeks:]
    shown_parts = parts[-max_weeks:] if parts else [{} for _ in shown]
    if not shown:
        return Content("No weeks in this range yet.")
    scale = max([minimum * 1.5, *(w.hours for w in shown)])
    pieces: list[str | tuple[str, str]] = []
    for week, part in zip(shown, shown_parts, strict=True):
        cells = week.hours / scale * WIDTH
        full = int(cells)
        bar = "█" * full + ("▌" if cells - full >= 0.5 else "")
        below = week.hours < minimum - 1e-9
        mark = int(minimum / scale * WIDTH)
        track = bar.ljust(WIDTH)
        track = track[:mark] + ("│" if len(bar) <= mark else track[mark]) + track[mark + 1 :]
        pieces += [
            f"{week.iso_year}-W{week.iso_week:02d} ",
            (track, "$error" if below else "$success"),
            f" {week.hours:5.2f} h",
            ("  below minimum" if below else "", "$error"),
            "\n",
        ]
        if len(part) > 1:
            each = " · ".join(f"{name} {hours:.2f} h" for name, hours in part.items())
            pieces.append((f"         {each}\n", "$text-muted"))
    pieces.append((f"│ marks the weekly minimum of {minimum:g} h", "$text-muted"))
    return Content.assemble(*pieces)


class WeekBars(Static):
    """The chart."""

    def show(
        self,
        weeks: list[WeekHours],
        minimum: float,
        parts: list[dict[str, float]] | None = None,
    ) -> None:
        """Draw the weeks (with each group's part, when given)."""
        self.update(week_bars(weeks, minimum, parts=parts))
