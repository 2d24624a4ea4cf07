"""Check-in on the live screen: the phone check-in server, and what each check-in tells the room.

The server runs in the app's own loop (its database work goes to threads of its own); its address
is shown as a QR beside the roster (when the terminal is wide enough) and as one line of text
beneath. A port already taken leaves code
check-in only, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from facilitator.common.timeutil import hhmm
from facilitator.session.attendance import CheckInResult, Outcome
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from facilitator.checkin.app import OnCheckin
    from facilitator.checkin.options import CheckinOptions
    from facilitator.checkin.server import CheckinServer
    from facilitator.session.live import LiveSession
    from facilitator.widgets.qr_panel import QRPanel


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


class PhoneCheckin:
    """The phone check-in server of one live session, and its address on screen."""

    def __init__(
        self,
        screen: Screen[None],
        live: LiveSession,
        qr_panel: QRPanel,
        on_checkin: OnCheckin,
    ) -> None:
        self._screen = screen
        self._live = live
        self._qr_panel = qr_panel
        self._on_checkin = on_checkin
        self._server: CheckinServer | None = None

    async def start(self, options: CheckinOptions) -> None:
        """Serve phone check-in in the app's loop; a taken port leaves code check-in only."""
        from facilitator.checkin.server import CheckinError, CheckinServer, default_host

        server = CheckinServer(
            self._live.database,
            self._live.session_id,
            clock=self._live.clock,
            on_checkin=self._on_checkin,
        )
        try:
            await server.start(options.host or default_host(), options.port)
        except CheckinError as exc:
            self._qr_panel.show_off(str(exc))
            self._screen.notify(
                str(exc), title="Phone check-in", severity="error", markup=False, timeout=15
            )
            return
        self._server = server
        self._qr_panel.show_url(server.url)

    async def stop(self) -> None:
        """Stop serving (the session ended, or the screen closed); the address goes dead."""
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
