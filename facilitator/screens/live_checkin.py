"""Check-in on the live screen: the phone check-in server, and what each check-in tells the room.

The server runs in the app's own loop (its database work goes to threads of its own); its address
is shown as a QR beside the roster (when the terminal is wide enough) and as one line of text
beneath. A port already taken leaves code
check-in only, and says so. A phone's answers to the check-in scales redraw the roster too.

The code box takes a personal code, and the scales after it for a member without a phone
(`AVQ1 c7 m4`, see `session.code_entry`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from facilitator.common.timeutil import hhmm
from facilitator.errors import UserError
from facilitator.session.attendance import CheckInResult, Outcome
from facilitator.session.code_entry import read_code_entry
from facilitator.session.scales import answers_of
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from facilitator.checkin.app import OnCheckin
    from facilitator.checkin.options import CheckinOptions
    from facilitator.checkin.server import CheckinServer
    from facilitator.session.live import LiveSession, Snapshot
    from facilitator.widgets.qr_panel import QRPanel
    from facilitator.widgets.roster_panel import RosterPanel


@dataclass(frozen=True)
class Notice:
    """A notification about a check-in."""

    message: str
    severity: SeverityLevel = "information"
    title: str = ""


def check_in_notice(
    result: CheckInResult, tz: str, *, privacy: bool, via_phone: bool = False
) -> Notice:
    """What a check-in did, for the facilitator (short names in privacy mode)."""
    if result.outcome is Outcome.UNKNOWN:
        return Notice("Code not recognised", "error")
    if result.outcome is Outcome.CLOSED:
        return Notice("The session has ended", "error")
    person, row = result.participant, result.attendance
    assert person is not None and row is not None
    name = plain(person.short_name if privacy else person.name).plain
    when = hhmm(row.checked_in_at, tz)
    if result.outcome is Outcome.ALREADY:
        message = f"{name}: already checked in at {when}"
    elif result.outcome is Outcome.RETURNED:
        message = f"{name} is back (first checked in at {when})"
    else:
        status = row.status.replace("_", " ")
        how = " by phone" if via_phone else ""
        message = f"{name} checked in{how} at {when} ({status})"
    return Notice(message, title="Check-in")


def scales_said(result: CheckInResult) -> str:
    """` · craving 7, mood 4 recorded` after a code typed with its scales."""
    answers = answers_of(result.attendance) if result.attendance is not None else {}
    said = ", ".join(f"{scale} {value}" for scale, value in answers.items())
    return f" · {said} recorded" if said else ""


ROSTER_EVERY = 0.1
"""Seconds a phone check-in waits for others to share its roster redraw (the contract: shown
within one second)."""

NOTICE_LINES = 6
"""Phone check-ins told by name in one notice; more are counted (`… and 12 more`)."""


def phones_notice(notices: list[Notice]) -> Notice:
    """Phone check-ins that came together, in one notice: a line each, the rest counted."""
    if len(notices) == 1:
        return notices[0]
    lines = [n.message for n in notices[:NOTICE_LINES]]
    if len(notices) > NOTICE_LINES:
        lines.append(f"… and {len(notices) - NOTICE_LINES} more")
    return Notice("\n".join(lines), title=f"Check-in · {len(notices)} phones")


class CheckinHandlers:
    """The live screen's check-ins: a phone's, and a code typed at the laptop (a mixin)."""

    if TYPE_CHECKING:
        live: LiveSession
        privacy: bool
        qr_panel: QRPanel
        roster_panel: RosterPanel
        app: Any
        notify: Callable[..., None]
        set_timer: Callable[..., Any]
        _act: Callable[..., None]

    _phone_news: list[CheckInResult]
    _phones_shown: list[CheckInResult]
    _phone_reload_queued: bool = False
    _roster_due: bool = False

    def _show_roster(self) -> None:
        """Redraw the roster alone from the snapshot (its changed cells only), and tell what
        the phones shown did, in one notice (a notice redraws the whole screen)."""
        self._roster_due = False
        shown, self._phones_shown = self._phones_shown, []
        self._announce_phones(shown)
        snap = self.live.snapshot
        group = snap.group
        self.roster_panel.show(
            snap.roster, snap.counts(), group.timezone, self.privacy, group.max_members
        )

    def _phone_checked_in(self, result: CheckInResult) -> None:
        """A phone check-in was saved: show it on the roster at once, from the saved row (only
        its cells change; the next look for changes reloads the rest). Otherwise check-ins that
        arrive together share one reload (queued only when none is waiting to start)."""
        saved = result.saved_at
        if (
            saved is not None
            and result.attendance
            and self.live.show_saved(result.attendance, saved)
        ):
            self._phones_shown.append(result)
            if not self._roster_due:  # check-ins arriving together share one redraw
                self._roster_due = True
                self.set_timer(ROSTER_EVERY, self._show_roster)
            return
        self._phone_news.append(result)
        self.reload_for_phones()

    def reload_for_phones(self) -> None:
        """Reload once for whatever phones saved (check-ins not on the roster, scale answers):
        queued only when no such reload is waiting to start; a read, not a change."""
        if self._phone_reload_queued:
            return
        self._phone_reload_queued = True

        def reload() -> Snapshot:
            # From here on a new check-in queues its own reload; this one reads all before it.
            self._phone_reload_queued = False
            return self.live.refresh()

        def announce(snap: Snapshot | None) -> None:
            news, self._phone_news = self._phone_news, []
            if snap is not None:  # else the reload was refused, and said so
                self._announce_phones(news)

        self._act(reload, announce, change=False)

    def action_show_qr(self) -> None:
        """Show the check-in QR full screen for the room to scan."""
        from facilitator.screens.qr_screen import QRScreen

        if self.qr_panel.url is None:
            self.notify(
                "Phone check-in is not running; members can use their code (c).", severity="warning"
            )
            return
        self.app.push_screen(QRScreen(self.qr_panel.url))

    def code_entered(self, text: str) -> None:
        """A code (and maybe its scales) typed and `enter`: check in, or say what is wrong and
        put the text back in the box to mend (nothing typed is dropped)."""
        try:
            entry = read_code_entry(text)
        except UserError as exc:
            self.roster_panel.code_box.value = text
            self.notify(str(exc), severity="error", markup=False)
            return
        self._act(
            lambda: self.live.check_in_code(entry.code, scales=entry.scales),
            lambda result: self.announce_check_in(result, scales=bool(entry.scales)),
        )

    def _announce_phones(self, results: list[CheckInResult]) -> None:
        """Tell the facilitator what phones' check-ins did, in one notice."""
        if results:
            tz = self.live.snapshot.group.timezone
            each = [check_in_notice(r, tz, privacy=self.privacy, via_phone=True) for r in results]
            self._tell(phones_notice(each))

    def announce_check_in(self, result: CheckInResult | None, scales: bool = False) -> None:
        """Tell the facilitator what a typed check-in did (None: it was refused, and said so)."""
        if result is not None:
            tz = self.live.snapshot.group.timezone
            notice = check_in_notice(result, tz, privacy=self.privacy)
            said = scales_said(result) if scales and not self.privacy else ""
            self._tell(replace(notice, message=notice.message + said))

    def _tell(self, notice: Notice) -> None:
        self.notify(notice.message, title=notice.title, severity=notice.severity, markup=False)


class PhoneCheckin:
    """The phone check-in server of one live session, and its address on screen."""

    def __init__(
        self,
        screen: Screen[None],
        live: LiveSession,
        qr_panel: QRPanel,
        on_checkin: OnCheckin,
        on_answer: Callable[[], object],
    ) -> None:
        self._screen = screen
        self._live = live
        self._qr_panel = qr_panel
        self._on_checkin = on_checkin
        self._on_answer = on_answer
        self._server: CheckinServer | None = None

    async def start(self, options: CheckinOptions) -> None:
        """Serve phone check-in in the app's loop; a taken port leaves code check-in only."""
        from facilitator.checkin.server import CheckinError, CheckinServer, default_host

        server = CheckinServer(
            self._live.database,
            self._live.session_id,
            clock=self._live.clock,
            on_checkin=self._on_checkin,
            on_answer=lambda _attendance_id: self._on_answer(),
        )
        try:
            await server.start(options.host or default_host(), options.port, sock=options.listening)
        except CheckinError as exc:
            self._qr_panel.show_off(str(exc))
            self._screen.notify(
                str(exc), title="Phone check-in", severity="error", markup=False, timeout=15
            )
            return
        self._server = server
        self._qr_panel.show_url(server.url)

    def forget_answers(self, *_args: object) -> None:
        """After a check-out or a status change: a phone sent again is answered afresh, not
        "already checked in" from the server's memory."""
        if self._server is not None:
            self._server.forget_answers()

    async def stop(self) -> None:
        """Stop serving (the session ended, or the screen closed); the address goes dead."""
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
