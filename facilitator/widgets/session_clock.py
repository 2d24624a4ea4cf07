"""One line of session time: the break first (running or waiting), then elapsed, planned end,
projected end and ahead/behind — shortened on a narrow terminal so the break is never cut off."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.widgets import Static

from facilitator.common.timeutil import hhmm, mmss
from facilitator.session.agenda import Agenda, break_remaining_seconds, budget_seconds

NARROW = 100
"""Below this many columns the line uses its short words."""


def _hms(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def break_text(agenda: Agenda, now: dt.datetime) -> Text:
    """`BREAK 08:12 left`, `BREAK 10:00 — b starts it` for a break item not yet begun, or ''."""
    brk = agenda.active_break
    if brk is not None:
        remaining = break_remaining_seconds(brk, now)
        word = "over" if remaining < 0 else "left"
        return Text(f"BREAK {mmss(remaining)} {word}", style="bold reverse")
    waiting = agenda.waiting_break
    if waiting is not None:
        return Text(f"BREAK {mmss(budget_seconds(waiting))} — b starts it", style="bold reverse")
    return Text()


def schedule_text(agenda: Agenda, now: dt.datetime, tz: str, *, narrow: bool = False) -> Text:
    """`elapsed 0:25:13 · planned end 12:00 · projected end 12:05 · 5 min behind`."""
    elapsed = (now - agenda.started_at).total_seconds()
    behind = agenda.behind_seconds(now)
    minutes = round(abs(behind) / 60)
    if minutes == 0:
        status, style = "on time", "green"
    elif behind > 0:
        status, style = f"{minutes} min behind", "bold yellow"
    else:
        status, style = f"{minutes} min ahead", "cyan"
    planned, projected = hhmm(agenda.planned_end, tz), hhmm(agenda.projected_end(now), tz)
    text = Text()
    brk = break_text(agenda, now)
    if brk:
        text.append_text(brk)
        text.append("  ·  " if not narrow else " · ")
    if narrow:
        text.append(f"{_hms(elapsed)} · ends {planned}→{projected} · ")
    else:
        text.append(f"elapsed {_hms(elapsed)}  ·  planned end {planned}")
        text.append(f"  ·  projected end {projected}  ·  ")
    text.append(status, style=style)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class SessionClock(Static):
    """The schedule line under the title."""

    _shown: tuple[Agenda, dt.datetime, str] | None = None

    def show(self, agenda: Agenda, now: dt.datetime, tz: str) -> None:
        """Redraw for `now`."""
        self._shown = (agenda, now, tz)
        narrow = 0 < self.size.width < NARROW
        self.update(schedule_text(agenda, now, tz, narrow=narrow))

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)  # the short or the long words, for the new width
