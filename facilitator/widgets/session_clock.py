"""One line of session time: elapsed, planned end, projected end, ahead/behind, break."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.widgets import Static

from facilitator.common.timeutil import hhmm, mmss
from facilitator.session.agenda import Agenda, break_remaining_seconds


def _hms(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def schedule_text(agenda: Agenda, now: dt.datetime, tz: str) -> Text:
    """`elapsed 0:25:13 · planned end 12:00 · projected 12:05 · 5 min behind`."""
    elapsed = (now - agenda.started_at).total_seconds()
    behind = agenda.behind_seconds(now)
    minutes = round(abs(behind) / 60)
    if minutes == 0:
        status, style = "on time", "green"
    elif behind > 0:
        status, style = f"{minutes} min behind", "bold yellow"
    else:
        status, style = f"{minutes} min ahead", "cyan"
    text = Text()
    text.append(f"elapsed {_hms(elapsed)}  ·  planned end {hhmm(agenda.planned_end, tz)}")
    text.append(f"  ·  projected end {hhmm(agenda.projected_end(now), tz)}  ·  ")
    text.append(status, style=style)
    brk = agenda.active_break
    if brk is not None:
        remaining = break_remaining_seconds(brk, now)
        word = "over" if remaining < 0 else "left"
        text.append(f"  ·  BREAK {mmss(remaining)} {word}", style="bold reverse")
    return text


class SessionClock(Static):
    """The schedule line under the title."""

    def show(self, agenda: Agenda, now: dt.datetime, tz: str) -> None:
        """Redraw for `now`."""
        self.update(schedule_text(agenda, now, tz))
