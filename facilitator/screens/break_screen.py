"""The break: a full-screen countdown with the time the group resumes.

A break item reached with `n` shows here first with its length, not running: `b` or `enter`
starts it. `b` ends a running break early; `escape` shows the live screen meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Digits, Label

from facilitator.common.timeutil import hhmm, mmss
from facilitator.screens.commands import ScreenActions
from facilitator.session.agenda import break_remaining_seconds, budget_seconds, resumes_at
from facilitator.session.live import LiveSession
from facilitator.widgets.footer import Footer


class BreakScreen(Screen[None]):
    """Shown for a break that runs or waits to be started. The live screen owns the break:
    `b` and `enter` ask it (`toggle`) to start or end it, and it closes this screen when the
    break is over."""

    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("b", "toggle_break", "Start/end break", id="break.toggle"),
        Binding("enter", "start_break", "Start break", key_display="enter", id="break.start"),
        Binding("escape", "hide", "Show session", id="break.hide"),
    ]

    def __init__(self, live: LiveSession, toggle: Callable[[], object]) -> None:
        super().__init__()
        self.live = live
        self._toggle = toggle
        self._bell_rung = False

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Label("BREAK", id="break-title")
            yield Digits("00:00", id="break-countdown")
            yield Label("", id="break-text")
            yield Label("", id="break-resume")
        yield Footer()

    def on_mount(self) -> None:
        self._title = self.query_one("#break-title", Label)
        self._digits = self.query_one("#break-countdown", Digits)
        self._text = self.query_one("#break-text", Label)
        self._resume = self.query_one("#break-resume", Label)
        self.tick()
        self._timer = self.set_interval(0.5, self.tick)

    def on_unmount(self) -> None:
        self._timer.stop()

    def _waiting_shown(self, waiting: bool) -> None:
        if self.has_class("-waiting") != waiting:
            self.set_class(waiting, "-waiting")
            self.refresh_bindings()

    @property
    def waiting(self) -> bool:
        """The break item has been reached but its break not started."""
        agenda = self.live.snapshot.agenda
        return agenda.active_break is None and agenda.waiting_break is not None

    def tick(self) -> None:
        """Redraw the countdown from the break's start time and the clock."""
        agenda = self.live.snapshot.agenda
        brk = agenda.active_break
        tz = self.live.snapshot.group.timezone
        if brk is None:
            item = agenda.waiting_break
            if item is not None:
                length = mmss(budget_seconds(item))
                self._title.update("BREAK — not started")
                self._digits.update(length)
                self._text.update(f"Break — {length} — b or enter starts it")
                self._resume.update("")
            self._waiting_shown(item is not None)
            return
        self._waiting_shown(False)
        remaining = break_remaining_seconds(brk, self.live.now())
        self._title.update("BREAK")
        self._digits.update(mmss(remaining))
        word = "over" if remaining < 0 else "left"
        self._text.update(f"{mmss(remaining)} {word}")
        self._resume.update(Text(f"We resume at {hhmm(resumes_at(brk), tz)}"))
        self.set_class(remaining < 0, "-over")
        if remaining < 0 and not self._bell_rung:
            self._bell_rung = True
            self.app.bell()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`enter` only starts a break that waits (the footer hides it otherwise)."""
        return self.waiting if action == "start_break" else True

    def action_toggle_break(self) -> None:
        """Start the waiting break, or end the running one now (the live screen records it)."""
        self._toggle()

    def action_start_break(self) -> None:
        """Start the waiting break (a running one goes on)."""
        if self.waiting:
            self._toggle()

    def action_hide(self) -> None:
        """Back to the live screen; the break keeps running (its time shows there)."""
        self.dismiss(None)
