"""The live session screen: agenda and countdown, roster and check-in, notes, breaks.

The screen owns the `LiveSession`; widgets are views it redraws. Every action goes to the
screen's work queue, which saves it off the event loop in the order the keys were pressed; the
screen redraws once it is saved. Notes are saved within a second of typing stopping, and
whenever the screen changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Label, TextArea

from facilitator.checkin.options import CheckinOptions
from facilitator.screens.break_screen import BreakScreen
from facilitator.screens.commands import ScreenActions
from facilitator.screens.dialogs import AskScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.live_checkin import CheckinHandlers, PhoneCheckin
from facilitator.screens.live_end import EndFlow
from facilitator.screens.live_keys import LIVE_KEYS
from facilitator.screens.live_notes import NotesKeeper
from facilitator.screens.live_sync import POLL_INTERVAL, LiveSync
from facilitator.screens.work_queue import WorkQueue
from facilitator.session.agenda import OVER, WARNING
from facilitator.session.live import LiveSession
from facilitator.widgets.agenda_panel import AgendaPanel
from facilitator.widgets.footer import Footer
from facilitator.widgets.notes_panel import NotesPanel
from facilitator.widgets.plain import plain
from facilitator.widgets.qr_panel import CheckinURL, QRPanel
from facilitator.widgets.roster_panel import RosterPanel
from facilitator.widgets.session_clock import SessionClock
from facilitator.widgets.title_bar import session_title

if TYPE_CHECKING:
    from facilitator.session.attendance import CheckInResult
    from facilitator.store.models import AgendaRun

T = TypeVar("T")


class LiveScreen(CheckinHandlers, Screen[None]):
    """A group's session in progress."""

    COMMANDS = {ScreenActions}
    BINDINGS = LIVE_KEYS

    privacy: var[bool] = var(False)
    """Privacy mode for a screen the room can see: short names, no codes, no notes."""

    selected_id: var[int | None] = var(None)
    """The participant under the roster cursor; their progress note is shown."""

    def __init__(
        self,
        live: LiveSession,
        *,
        exit_on_end: bool = True,
        checkin: CheckinOptions | None = None,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        super().__init__()
        self.poll_interval = poll_interval
        """Seconds between looks for changes made on other laptops."""
        self.live = live
        self.exit_on_end = exit_on_end
        self.checkin = checkin
        self.work = WorkQueue(self, "live-session")
        """Every database call of this screen, in order, off the event loop."""
        self._bell_for: int | None = None
        self._phone_news: list[CheckInResult] = []
        self._phones_shown: list[CheckInResult] = []
        self._warned_for: int | None = None
        self._break_shown: tuple[str, int | None] | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label(session_title(self.live.snapshot), id="title-bar")
        yield SessionClock(id="session-clock")
        with Horizontal(id="main"):
            yield AgendaPanel(id="agenda")
            with Vertical(id="right"):
                yield RosterPanel(id="roster-panel")
            yield QRPanel(id="qr-panel")
        yield CheckinURL(id="checkin-url")
        yield NotesPanel(id="notes")
        yield Footer(compact=True, show_command_palette=False)

    async def on_mount(self) -> None:
        self.live.actor = self.live.actor or getattr(self.app, "actor", "")  # who is at the keys
        self.agenda_panel = self.query_one(AgendaPanel)
        self.roster_panel = self.query_one(RosterPanel)
        self._fit()
        self.notes_panel = self.query_one(NotesPanel)
        self.clock_line = self.query_one(SessionClock)
        self.qr_panel = self.query_one(QRPanel)
        self.qr_panel.line = self.query_one(CheckinURL)
        self.phone = PhoneCheckin(
            self, self.live, self.qr_panel, self._phone_checked_in, self.reload_for_phones
        )
        self.sync = LiveSync(self.live, self.work, self.roster_panel, self._changed_elsewhere)
        self.ender = EndFlow(self)
        self.notes = NotesKeeper(self, self.live, self.notes_panel, self.work)
        self.redraw()
        # Focus before any await: a key pressed meanwhile must not be undone afterwards.
        self.set_focus(self.roster_panel.table)
        self.notes_panel.load_session_note(self.live.snapshot.notes.get(None))
        self.selected_id = self.roster_panel.table.selected_id
        await self.notes.show_member_now(self.selected_id)
        self._tick_timer = self.set_interval(0.5, self.tick)
        self._poll_timer = self.set_interval(self.poll_interval, self.sync.poll)
        self._maybe_show_break()
        if self.checkin is not None and self.live.live:
            self.run_worker(self.phone.start(self.checkin), group="checkin", exclusive=True)
        else:
            self.qr_panel.show_off("Phone check-in is off.")

    async def on_unmount(self) -> None:
        self._tick_timer.stop()
        self._poll_timer.stop()
        await asyncio.to_thread(self.work.drain)  # nothing queued is lost when the screen goes
        await self.phone.stop()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # On a small terminal keep the countdown, roster and notes; drop the agenda list (and
        # the roster's counts keep to one line). The QR stands beside the roster from 120
        # columns (if it fits in height).
        compact = self.size.width < 100 or self.size.height < 32
        self.set_class(compact, "-compact")
        if hasattr(self, "roster_panel"):
            self.roster_panel.count_lines = 1 if compact else 2
        self.set_class(self.size.width < 120 or self.size.height < 32, "-narrow")

    # -- saving in order -----------------------------------------------------------------------

    def _act(
        self,
        work: Callable[[], T],
        then: Callable[[T | None], object] | None = None,
        *,
        say: Callable[[T], str] | None = None,
        change: bool = True,
    ) -> None:
        """Queue a call to the service; once it is saved, redraw, notify `say(result)`, then run
        `then(result)`. A refusal is a notification, never a crash (`then` gets None). The
        action happens at the time the key was pressed, however long the database keeps it; a
        read (`change=False`) is not counted as a change waiting to be saved."""
        pressed = self.live.now()

        def at_pressed() -> T:
            with self.live.at(pressed):
                return work()

        def after(result: T | None) -> object:
            self.redraw()
            if say is not None and result is not None:
                self.notify(say(result), markup=False)
            return None if then is None else then(result)

        self.work.submit(at_pressed, after, change=change)

    @on(WorkQueue.Done)
    async def _saved(self, event: WorkQueue.Done) -> None:
        if event.error is not None:
            self.notify(event.error, severity="error", markup=False)
        await event.settle()
        self.sync.show_pending()

    # -- drawing -------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw everything from the saved snapshot."""
        snap = self.live.snapshot
        now = self.live.now()
        tz = snap.group.timezone
        self.agenda_panel.show(snap.agenda, now)
        self.roster_panel.show(snap.roster, snap.counts(), tz, self.privacy, snap.group.max_members)
        self.clock_line.show(snap.agenda, now, tz)

    def tick(self) -> None:
        """Twice a second: countdown, schedule, the 2-minute warning and the overrun bell."""
        snap = self.live.snapshot
        now = self.live.now()
        phase = self.agenda_panel.tick(snap.agenda, now)
        self.clock_line.show(snap.agenda, now, snap.group.timezone)
        self.sync.show_pending()
        item = snap.agenda.current
        if item is None or item.kind == "break":
            return
        if phase is WARNING and self._warned_for != item.id:
            self._warned_for = item.id
            self.notify(
                f"2 minutes left: {plain(item.title).plain}",
                title="Agenda",
                severity="warning",
                markup=False,
            )
        if phase is OVER and self._bell_for != item.id:
            self._bell_for = item.id
            self.app.bell()

    def _changed_elsewhere(self) -> None:
        """Another laptop (or its phones) changed the session: show it."""
        self.redraw()
        self._maybe_show_break()

    def watch_privacy(self, privacy: bool) -> None:
        self.set_class(privacy, "-privacy")
        if self.is_mounted:
            self.redraw()

    def watch_selected_id(self, _old: int | None, new: int | None) -> None:
        if self.is_mounted:
            self.notes.show_member(new)

    def _maybe_show_break(self) -> None:
        """Show the break screen for a break that runs, or a break item waiting for `b`."""
        agenda = self.live.snapshot.agenda
        brk, waiting = agenda.active_break, agenda.waiting_break
        shown = ("break", brk.id) if brk is not None else ("item", waiting.id) if waiting else None
        if shown is None or self._break_shown == shown:
            return
        self._break_shown = shown
        if isinstance(self.app.screen, BreakScreen):
            self.app.screen.tick()  # the break it waited for now runs
        else:
            self.app.push_screen(BreakScreen(self.live, self.action_toggle_break))

    # -- agenda keys -----------------------------------------------------------------------------

    def action_next_item(self) -> None:
        """Finish the current item and start the next."""
        self.notes.save()

        def after(saved: tuple[AgendaRun | None] | None) -> None:
            if saved is not None and saved[0] is None and self.live.live:
                self.notify("That was the last item. Press e to end the session.")
            self._maybe_show_break()

        self._act(lambda: (self.live.next_item(),), after)  # None: refused (and said so)

    def action_pause(self) -> None:
        """Pause or resume the current item's timer."""
        if self.live.snapshot.agenda.waiting_break is not None:
            self.notify("The break has not started: b starts it", severity="warning")
            return
        self._act(self.live.toggle_pause, say=lambda on: "Timer paused" if on else "Timer running")

    def action_extend(self) -> None:
        """Add 5 minutes to the current item."""
        self._act(self.live.extend, say=lambda _item: "+5 minutes")

    def action_toggle_break(self) -> None:
        """Start a break (a break item's, when one waits), or end the running one early."""
        self.notes.save()

        def after(running: bool | None) -> None:
            if running:
                self._maybe_show_break()
            elif running is False:
                if isinstance(self.app.screen, BreakScreen):
                    self.app.screen.dismiss(None)
                self.notify("Break over — welcome back")
                self._maybe_show_break()  # the next item may be a break item too

        self._act(self.live.toggle_break, after)

    # -- roster keys -----------------------------------------------------------------------------

    def action_focus_checkin(self) -> None:
        """Focus the check-in box for a typed or scanned code."""
        # Focus at once, not via the message queue: a scanner types right after the key.
        self.set_focus(self.roster_panel.code_box)

    @on(RosterPanel.CodeEntered)
    def _code_entered(self, event: RosterPanel.CodeEntered) -> None:
        self.code_entered(event.code)

    def _selected(self) -> int | None:
        selected = self.roster_panel.table.selected_id
        if selected is None:
            self.notify("Select a member on the roster first", severity="warning")
        return selected

    def action_cycle_status(self) -> None:
        """Cycle the selected member present → late → excused → absent."""
        selected = self._selected()
        if selected is not None:
            self._act(lambda: self.live.cycle_status(selected), self.phone.forget_answers)

    def action_check_out(self) -> None:
        """Check the selected member out (left early)."""
        selected = self._selected()
        if selected is not None:
            self._act(lambda: self.live.check_out(selected), self.phone.forget_answers)

    def action_toggle_modality(self) -> None:
        """`v`: the selected member attends by video (telehealth) / in person again."""
        selected = self._selected()
        if selected is not None:
            self._act(
                lambda: self.live.toggle_modality(selected),
                say=lambda row: "Attends by video" if row.modality == "telehealth" else "In person",
            )

    def action_walk_in(self) -> None:
        """Add a walk-in by name, checked in at once."""

        def add(name: str | None) -> None:
            if name:
                self._act(
                    lambda: self.live.add_walk_in(name),
                    say=lambda person: f"Walk-in {plain(person.name).plain} checked in",
                )

        self.app.push_screen(AskScreen("Walk-in: the member's full name", "First Last"), add)

    def action_all_present(self) -> None:
        """Mark every member not yet checked in present."""
        self._act(
            self.live.mark_all_present,
            say=lambda count: f"{count} marked present — now set the exceptions with space",
        )

    def action_privacy(self) -> None:
        """Toggle privacy mode for a projected screen."""
        self.notes.save()
        self.privacy = not self.privacy
        if self.privacy:
            self.app.clear_notifications()  # they may hold full names or scales
        if self.privacy and self.notes_panel.has_focus_within:
            self.set_focus(self.roster_panel.table)
        self.notify(
            "Privacy mode on: short names, no codes, no notes"
            if self.privacy
            else "Privacy mode off"
        )

    @on(RosterPanel.SelectionChanged)
    def _selection_changed(self, event: RosterPanel.SelectionChanged) -> None:
        if event.participant_id != self.selected_id:
            self.notes.save()
            self.selected_id = event.participant_id

    # -- notes -----------------------------------------------------------------------------------

    def action_focus_notes(self) -> None:
        """`tab`: into the notes (and on through their fields)."""
        if self.privacy:
            self.notify("Notes are hidden in privacy mode (P)", severity="warning")
            return
        if self.notes_panel.has_focus_within:
            self.focus_next()
        else:
            self.set_focus(self.notes_panel.first_editor())

    def action_leave_notes(self) -> None:
        """`escape`: out of the notes or the check-in box, back to the roster."""
        self.notes.save()
        self.set_focus(self.roster_panel.table)

    @on(TextArea.Changed)
    def _note_changed(self, _event: TextArea.Changed) -> None:
        self.notes.typed()

    def on_screen_suspend(self) -> None:
        self.notes.save()

    # -- help and end ----------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Live session — keys"))

    def action_end_session(self) -> None:
        """Ask, then end the session; then offer its record to finish the notes and sign."""
        self.ender.ask()
