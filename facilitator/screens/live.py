"""The live session screen: agenda and countdown, roster and check-in, notes, breaks.

The screen owns the `LiveSession`; widgets are views it redraws. Every action is saved by the
service the moment it happens; notes are saved within a second of typing stopping, and whenever
the screen changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Label, TextArea

from facilitator.checkin.options import CheckinOptions
from facilitator.common.text import one_line
from facilitator.common.timeutil import hhmm
from facilitator.errors import UserError
from facilitator.screens.break_screen import BreakScreen
from facilitator.screens.commands import ScreenActions
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.qr_screen import QRScreen
from facilitator.session.agenda import OVER, WARNING
from facilitator.session.attendance import Outcome
from facilitator.session.live import LiveSession
from facilitator.widgets.agenda_panel import AgendaPanel
from facilitator.widgets.notes_panel import NotesPanel
from facilitator.widgets.qr_panel import QRPanel
from facilitator.widgets.roster_panel import RosterPanel
from facilitator.widgets.session_clock import SessionClock

if TYPE_CHECKING:
    from facilitator.checkin.server import CheckinServer

AUTOSAVE_SECONDS = 1.0


class LiveScreen(Screen[None]):
    """A group's session in progress."""

    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("n", "next_item", "Next item", id="live.next"),
        Binding("p", "pause", "Pause/resume", id="live.pause"),
        Binding("plus", "extend", "+5 min", key_display="+", id="live.extend"),
        Binding("b", "toggle_break", "Break", id="live.break"),
        Binding("c", "focus_checkin", "Check in code", id="live.checkin"),
        Binding("space", "cycle_status", "Cycle status", key_display="space", id="live.status"),
        Binding("o", "check_out", "Check out", id="live.checkout"),
        Binding("w", "walk_in", "Walk-in", id="live.walkin"),
        Binding("A", "all_present", "All present", key_display="A", id="live.all"),
        Binding("P", "privacy", "Privacy", key_display="P", id="live.privacy"),
        Binding("tab", "focus_notes", "Notes", key_display="tab", id="live.notes"),
        Binding("escape", "leave_notes", "Leave notes", show=False, id="live.leave"),
        Binding("f", "show_qr", "QR full screen", id="live.qr"),
        Binding("e", "end_session", "End session", id="live.end"),
        Binding("question_mark", "help", "Help", key_display="?", id="live.help"),
    ]

    privacy: var[bool] = var(False)
    """Privacy mode for a screen the room can see: short names, no codes, no notes."""

    selected_id: var[int | None] = var(None)
    """The participant under the roster cursor; their progress note is shown."""

    def __init__(
        self, live: LiveSession, *, exit_on_end: bool = True, checkin: CheckinOptions | None = None
    ) -> None:
        super().__init__()
        self.live = live
        self.exit_on_end = exit_on_end
        self.checkin = checkin
        self._server: CheckinServer | None = None
        self._save_timer: Timer | None = None
        self._bell_for: int | None = None
        self._warned_for: int | None = None
        self._break_shown: int | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        snap = self.live.snapshot
        title = Text(one_line(snap.group.name), style="bold")
        title.append(
            f"  ·  {one_line(snap.session.curriculum_title or '')}"
            f" — {one_line(snap.session.topic_title or '')}"
        )
        if snap.session.facilitator:
            title.append(f"  ·  {one_line(snap.session.facilitator)}", style="dim")
        yield Label(title, id="title-bar")
        yield SessionClock(id="session-clock")
        with Horizontal(id="main"):
            yield AgendaPanel(id="agenda")
            with Vertical(id="right"):
                yield RosterPanel(id="roster-panel")
            yield QRPanel(id="qr-panel")
        yield NotesPanel(id="notes")
        yield Footer()

    async def on_mount(self) -> None:
        self.agenda_panel = self.query_one(AgendaPanel)
        self.roster_panel = self.query_one(RosterPanel)
        self.notes_panel = self.query_one(NotesPanel)
        self.clock_line = self.query_one(SessionClock)
        self.qr_panel = self.query_one(QRPanel)
        self.redraw()
        # Focus before any await: a key pressed meanwhile must not be undone afterwards.
        self.set_focus(self.roster_panel.table)
        self.notes_panel.load_session_note(self.live.snapshot.notes.get(None))
        self.selected_id = self.roster_panel.table.selected_id
        await self._load_member_note()
        self._tick_timer = self.set_interval(0.5, self.tick)
        self._maybe_show_break()
        if self.checkin is not None and self.live.live:
            self.run_worker(self._start_checkin(self.checkin), group="checkin", exclusive=True)
        else:
            self.qr_panel.show_off("Phone check-in is off.")

    async def on_unmount(self) -> None:
        self._tick_timer.stop()
        await self._stop_checkin()

    def on_resize(self) -> None:
        # On a small terminal keep the countdown, roster and notes; drop the agenda list.
        self.set_class(self.size.width < 100 or self.size.height < 32, "-compact")
        self.set_class(self.size.width < 140, "-narrow")

    # -- phone check-in --------------------------------------------------------------------------

    async def _start_checkin(self, options: CheckinOptions) -> None:
        """Serve phone check-in in the app's own loop; a taken port leaves code check-in only."""
        from facilitator.checkin.server import CheckinError, CheckinServer, default_host

        server = CheckinServer(
            self.live.database,
            self.live.session_id,
            clock=self.live.clock,
            on_checkin=self._phone_checked_in,
        )
        try:
            await server.start(options.host or default_host(), options.port)
        except CheckinError as exc:
            self.qr_panel.show_off(str(exc))
            self.roster_panel.show_checkin_url(None)
            self.notify(
                str(exc), title="Phone check-in", severity="error", markup=False, timeout=15
            )
            return
        self._server = server
        self.qr_panel.show_url(server.url)
        self.roster_panel.show_checkin_url(server.url)

    async def _stop_checkin(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    def _phone_checked_in(self, result) -> None:  # type: ignore[no-untyped-def]
        """A phone check-in was saved: show it on the roster at once."""
        self.refresh_from_database()
        self.announce_check_in(result, via_phone=True)

    def action_show_qr(self) -> None:
        """Show the check-in QR full screen for the room to scan."""
        if self.qr_panel.url is None:
            self.notify(
                "Phone check-in is not running; members can use their code (c).", severity="warning"
            )
            return
        self.app.push_screen(QRScreen(self.qr_panel.url))

    # -- drawing -------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw everything from the saved snapshot."""
        snap = self.live.snapshot
        now = self.live.now()
        tz = snap.group.timezone
        self.agenda_panel.show(snap.agenda, now)
        self.roster_panel.show(snap.roster, snap.counts(), tz, self.privacy)
        self.clock_line.show(snap.agenda, now, tz)

    def tick(self) -> None:
        """Twice a second: countdown, schedule, the 2-minute warning and the overrun bell."""
        snap = self.live.snapshot
        now = self.live.now()
        phase = self.agenda_panel.tick(snap.agenda, now)
        self.clock_line.show(snap.agenda, now, snap.group.timezone)
        item = snap.agenda.current
        if item is None or item.kind == "break":
            return
        if phase is WARNING and self._warned_for != item.id:
            self._warned_for = item.id
            self.notify(
                f"2 minutes left: {one_line(item.title)}",
                title="Agenda",
                severity="warning",
                markup=False,
            )
        if phase is OVER and self._bell_for != item.id:
            self._bell_for = item.id
            self.app.bell()

    def refresh_from_database(self) -> None:
        """Reload after a change made elsewhere (a phone check-in, another laptop)."""
        self.live.refresh()
        self.redraw()

    def watch_privacy(self, privacy: bool) -> None:
        self.set_class(privacy, "-privacy")
        if self.is_mounted:
            self.redraw()

    async def watch_selected_id(self, _old: int | None, _new: int | None) -> None:
        if self.is_mounted:
            await self._load_member_note()

    async def _load_member_note(self) -> None:
        snap = self.live.snapshot
        entry = snap.entry(self.selected_id) if self.selected_id is not None else None
        await self.notes_panel.load_member(
            self.selected_id,
            one_line(entry.participant.name) if entry else "",
            snap.notes.get(self.selected_id),
            snap.headings,
            snap.group.note_format,
        )

    def _maybe_show_break(self) -> None:
        brk = self.live.snapshot.agenda.active_break
        if brk is not None and self._break_shown != brk.id:
            self._break_shown = brk.id
            self.app.push_screen(BreakScreen(self.live), self._after_break_screen)

    def _after_break_screen(self, end_it: bool | None) -> None:
        if end_it:
            self.action_toggle_break()

    # -- running an action safely --------------------------------------------------------------

    def _run(self, action, *args):  # type: ignore[no-untyped-def]
        """Call the service; a refusal is a notification, never a crash."""
        try:
            return action(*args)
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None
        finally:
            self.redraw()

    # -- agenda keys -----------------------------------------------------------------------------

    def action_next_item(self) -> None:
        """Finish the current item and start the next."""
        self._save_notes()
        item = self._run(self.live.next_item)
        if item is None and self.live.live:
            self.notify("That was the last item. Press e to end the session.")
        self._maybe_show_break()

    def action_pause(self) -> None:
        """Pause or resume the current item's timer."""
        paused = self._run(self.live.toggle_pause)
        if paused is not None:
            self.notify("Timer paused" if paused else "Timer running")

    def action_extend(self) -> None:
        """Add 5 minutes to the current item."""
        if self._run(self.live.extend) is not None:
            self.notify("+5 minutes")

    def action_toggle_break(self) -> None:
        """Start a break, or end the running one early."""
        self._save_notes()
        running = self._run(self.live.toggle_break)
        if running:
            self._maybe_show_break()
        elif running is False:
            self.notify("Break over — welcome back")

    # -- roster keys -----------------------------------------------------------------------------

    def action_focus_checkin(self) -> None:
        """Focus the check-in box for a typed or scanned code."""
        # Focus at once, not via the message queue: a scanner types right after the key.
        self.set_focus(self.roster_panel.code_box)

    @on(RosterPanel.CodeEntered)
    def _code_entered(self, event: RosterPanel.CodeEntered) -> None:
        result = self._run(self.live.check_in_code, event.code)
        if result is not None:
            self.announce_check_in(result)

    def announce_check_in(self, result, via_phone: bool = False) -> None:  # type: ignore[no-untyped-def]
        """Tell the facilitator what a check-in did."""
        tz = self.live.snapshot.group.timezone
        if result.outcome is Outcome.UNKNOWN:
            self.notify("Code not recognised", severity="error")
            return
        if result.outcome is Outcome.CLOSED:
            self.notify("The session has ended", severity="error")
            return
        name = one_line(result.participant.short_name if self.privacy else result.participant.name)
        when = hhmm(result.attendance.checked_in_at, tz)
        if result.outcome is Outcome.ALREADY:
            message = f"{name}: already checked in at {when}"
        elif result.outcome is Outcome.RETURNED:
            message = f"{name} is back (first checked in at {when})"
        else:
            status = result.attendance.status.replace("_", " ")
            how = " by phone" if via_phone else ""
            message = f"{name} checked in{how} at {when} ({status})"
        self.notify(message, title="Check-in", markup=False)

    def _selected(self) -> int | None:
        selected = self.roster_panel.table.selected_id
        if selected is None:
            self.notify("Select a member on the roster first", severity="warning")
        return selected

    def action_cycle_status(self) -> None:
        """Cycle the selected member present → late → excused → absent."""
        selected = self._selected()
        if selected is not None:
            self._run(self.live.cycle_status, selected)

    def action_check_out(self) -> None:
        """Check the selected member out (left early)."""
        selected = self._selected()
        if selected is not None:
            self._run(self.live.check_out, selected)

    def action_walk_in(self) -> None:
        """Add a walk-in by name, checked in at once."""

        def add(name: str | None) -> None:
            if name:
                participant = self._run(self.live.add_walk_in, name)
                if participant is not None:
                    self.notify(f"Walk-in {one_line(participant.name)} checked in", markup=False)

        self.app.push_screen(AskScreen("Walk-in: the member's full name", "First Last"), add)

    def action_all_present(self) -> None:
        """Mark every member not yet checked in present."""
        count = self._run(self.live.mark_all_present)
        if count is not None:
            self.notify(f"{count} marked present — now set the exceptions with space")

    def action_privacy(self) -> None:
        """Toggle privacy mode for a projected screen."""
        self._save_notes()
        self.privacy = not self.privacy
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
            self._save_notes()
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
        self._save_notes()
        self.set_focus(self.roster_panel.table)

    @on(TextArea.Changed)
    def _note_changed(self, _event: TextArea.Changed) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(AUTOSAVE_SECONDS, self._save_notes)

    def _save_notes(self) -> None:
        """Save whichever note differs from what is stored (autosave and on every change)."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if not self.is_mounted or self.live.snapshot.session.signed_at is not None:
            return
        session_text = self.notes_panel.session_edited()
        member_fields = self.notes_panel.member_edited()
        member = self.notes_panel.member_id
        try:
            if session_text is not None:
                self.live.save_session_note(session_text)
            if member_fields is not None and member is not None:
                self.live.save_member_note(member, member_fields)
            self.notes_panel.mark_saved()
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)

    def on_screen_suspend(self) -> None:
        self._save_notes()

    # -- help and end ----------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Live session — keys"))

    def action_end_session(self) -> None:
        """Ask, then end the session."""
        self._save_notes()
        snap = self.live.snapshot
        waiting = sum(1 for e in snap.roster if not e.checked_in and e.status.value == "absent")
        lines = [f"{waiting} member(s) not checked in will be marked absent."]
        names = {e.participant.id: e.participant.short_name for e in snap.roster}
        for pair in self.live.cloned_notes():
            lines.append(
                f"Warning: the progress notes of {names.get(pair.first)} and "
                f"{names.get(pair.second)} are {pair.ratio:.0%} alike — individualise them"
                " (cloned notes fail audits)."
            )
        self.app.push_screen(
            ConfirmScreen("End this session now?", "\n".join(lines), yes="End (y)"),
            self._end_confirmed,
        )

    async def _end_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        self._run(self.live.end)
        await self._stop_checkin()
        counts = self.live.snapshot.counts()
        summary = ", ".join(f"{n} {s.word}" for s, n in counts.items() if n)
        message = f"Session ended and saved: {summary}."
        if self.exit_on_end:
            self.app.exit(message=message)
        else:
            self.app.notify(message)
            self.dismiss(None)
