"""The break: a full-screen countdown with the time the group resumes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Digits, Footer, Label

from facilitator.common.timeutil import hhmm, mmss
from facilitator.screens.commands import ScreenActions
from facilitator.session.agenda import break_remaining_seconds, resumes_at
from facilitator.session.live import LiveSession


class BreakScreen(Screen[bool]):
    """Shown while a break runs; `b` ends it early, `escape` shows the live screen meanwhile.

    Dismissed with True when the facilitator ends the break, False when only hiding it.
    """

    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("b", "end_break", "End break", id="break.end"),
        Binding("escape", "hide", "Show session", id="break.hide"),
    ]

    def __init__(self, live: LiveSession) -> None:
        super().__init__()
        self.live = live
        self._bell_rung = False

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Label("BREAK", id="break-title")
            yield Digits("00:00", id="break-countdown")
            yield Label("", id="break-text")
            yield Label("", id="break-resume")
        yield Footer()

    def on_mount(self) -> None:
        self._digits = self.query_one("#break-countdown", Digits)
        self._text = self.query_one("#break-text", Label)
        self._resume = self.query_one("#break-resume", Label)
        self.tick()
        self._timer = self.set_interval(0.5, self.tick)

    def on_unmount(self) -> None:
        self._timer.stop()

    def tick(self) -> None:
        """Redraw the countdown from the break's start time and the clock."""
        brk = self.live.snapshot.agenda.active_break
        if brk is None:
            return
        remaining = break_remaining_seconds(brk, self.live.now())
        self._digits.update(mmss(remaining))
        word = "over" if remaining < 0 else "left"
        self._text.update(f"{mmss(remaining)} {word}")
        tz = self.live.snapshot.group.timezone
        self._resume.update(Text(f"We resume at {hhmm(resumes_at(brk), tz)}"))
        self.set_class(remaining < 0, "-over")
        if remaining < 0 and not self._bell_rung:
            self._bell_rung = True
            self.app.bell()

    def action_end_break(self) -> None:
        """End the break now (the live screen records it)."""
        self.dismiss(True)

    def action_hide(self) -> None:
        """Back to the live screen; the break keeps running (its time shows there)."""
        self.dismiss(False)
