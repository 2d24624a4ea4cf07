"""The phone check-in server (CONTRACT section 5): `GET|POST /c/TOKEN`, nothing else.

Runs on the same asyncio loop as the Textual UI, so every database call goes to a worker thread
(`asyncio.to_thread`) and the loop never blocks. The check-in itself is the exactly-once core
(`attendance.check_in`): repeats are harmless and keep the first time, from any thread or laptop.

Answers:

- `GET /c/TOKEN` → 200, the form (it lists no one); `HEAD` likewise.
- `POST /c/TOKEN` with form field `code` → 200 greeting the member by first name only;
  a repeat says when the first check-in was (HH:MM, the group's time zone).
- unknown code (or the code of someone who is not a current member of this group) → 422 with
  "code not recognised — please see your facilitator"; nothing stored but an audit event.
- missing or empty `code`, or a form that cannot be read → 400.
- a cross-site POST (`Sec-Fetch-Site` other than same-origin/none, or a foreign `Origin`) → 403.
- unknown or dead token, or any other path → 404; any other method → 405.
- the session has ended → 410 "this check-in has closed".
- a body over 4 KiB → 413; more than `max_failures_per_minute` unknown codes from one address
  within 60 seconds → 429 (`Retry-After` set) for any further POST from it.

The token in the path is the capability: it is random (192 bits), made per server start, and
dies when the server stops. Nothing here logs a name, a code or the token (no access log).
"""

from __future__ import annotations

import asyncio
import errno
import inspect
import logging
import math
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from facilitator.checkin import page
from facilitator.errors import UserError

if TYPE_CHECKING:
    import datetime as dt

    from facilitator.common.clock import Now
    from facilitator.session.attendance import CheckInResult
    from facilitator.store.db import Database

log = logging.getLogger("facilitator.checkin")

MAX_BODY = 4096
"""Largest request body accepted, in bytes (a code needs a few dozen)."""

MAX_CODE_LENGTH = 64
"""Longer `code` values are not looked up: they count as unknown codes."""

WINDOW_SECONDS = 60.0
"""The sliding window of the failed-code limit."""

MIN_TOKEN_LENGTH = 22
"""`secrets.token_urlsafe(16)` (128 bits) is 22 characters; anything shorter is refused."""

ALLOWED_METHODS = ("GET", "HEAD", "POST")

OnCheckin = Callable[["CheckInResult"], object]


class CheckinError(UserError):
    """The check-in server cannot start (the message is for the facilitator's screen)."""


class PortInUse(CheckinError):
    """The requested port is taken (another program, or another facilitator window)."""


def new_token() -> str:
    """A fresh capability token: 24 random bytes (192 bits), URL-safe."""
    return secrets.token_urlsafe(24)


def default_host() -> str:
    """This machine's LAN address (the one its default route uses), else 127.0.0.1."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            # Connecting a UDP socket sends nothing; it only picks the outgoing interface.
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    if not address or address.startswith("0."):
        return "127.0.0.1"
    return address


def checkin_url(host: str, port: int, token: str) -> str:
    """`http://HOST:PORT/c/TOKEN` (IPv6 hosts in brackets)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/c/{token}"


class FailureLimiter:
    """Failed codes per remote address in a sliding window, on a monotonic clock."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = WINDOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        max_addresses: int = 4096,
    ) -> None:
        if limit < 1:
            raise ValueError("the failed-code limit must be at least 1")
        self.limit = limit
        self.window = window
        self.monotonic = monotonic
        self.max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, address: str, now: float) -> deque[float] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[address]
            return None
        return times

    def retry_after(self, address: str) -> float | None:
        """Seconds until `address` may try again, or None if it is not blocked."""
        now = self.monotonic()
        times = self._recent(address, now)
        if times is None or len(times) < self.limit:
            return None
        return max(0.0, self.window - (now - times[-self.limit]))

    def record(self, address: str) -> None:
        """Count one failed code from `address`."""
        now = self.monotonic()
        if address not in self._failures and len(self._failures) >= self.max_addresses:
            self._prune(now)
        times = self._failures.setdefault(address, deque())
        times.append(now)
        # Only the newest `limit` failures matter for the decision; keep memory bounded.
        while len(times) > self.limit:
            times.popleft()

    def _prune(self, now: float) -> None:
        for address in list(self._failures):
            self._recent(address, now)
        if len(self._failures) >= self.max_addresses:
            # Still full of fresh offenders: forget the oldest one rather than grow.
            oldest = min(self._failures, key=lambda a: self._failures[a][-1])
            del self._failures[oldest]


@dataclass
class _State:
    """What one check-in app knows: its session, its token, its limits and its callback."""

    database: Database
    session_id: str
    token: str
    clock: Now
    on_checkin: OnCheckin | None
    limiter: FailureLimiter
    open: bool = True
    closed: bool = False  # the session has ended (remembered, to spare the database)


STATE = web.AppKey("facilitator.checkin", _State)


# -- database work (runs in a worker thread) ------------------------------------------------------


class _Gone(Exception):
    """The session does not exist."""


@dataclass(frozen=True)
class _Answer:
    """What the database said about one attempt, in plain values for the page."""

    result: CheckInResult
    first_name: str = ""
    first_time: str = ""


def _is_lock(exc: BaseException) -> bool:
    """A momentary SQLite lock, raw or wrapped by `Database.session` in a UserError."""
    from sqlalchemy.exc import OperationalError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OperationalError):
            return "locked" in str(seen.orig).lower() or "busy" in str(seen.orig).lower()
        seen = seen.__cause__
    return False


def _retrying(work: Callable[[], _Answer]) -> _Answer:
    """Run `work`, retrying a few times if SQLite reports a momentary lock (work is idempotent)."""
    for attempt in range(5):
        try:
            return work()
        except Exception as exc:
            if attempt == 4 or not _is_lock(exc):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _session_is_live(database: Database, session_id: str) -> bool:
    """Whether the session is still live (raises _Gone if it does not exist)."""
    from facilitator.store.models import GroupSession, SessionState

    with database.session() as db:
        session = db.get(GroupSession, session_id)
        if session is None:
            raise _Gone
        return session.state == SessionState.LIVE


def _attempt(
    database: Database, session_id: str, raw_code: str, now: dt.datetime, source: str
) -> _Answer:
    """Check a member of the session's group in by code, or record the failed attempt."""

    from facilitator.common.timeutil import hhmm
    from facilitator.program import codes
    from facilitator.session import attendance as att
    from facilitator.store.models import Group, GroupSession, Method, SessionState

    code = codes.normalise(raw_code) if len(raw_code) <= MAX_CODE_LENGTH else raw_code
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        if session is None:
            raise _Gone
        if session.state != SessionState.LIVE:
            return _Answer(att.CheckInResult(att.Outcome.CLOSED))
        group = db.get(Group, session.group_id)
        assert group is not None
        result = att.check_in_by_code(
            db,
            group=group,
            session=session,
            code=code,
            method=Method.PHONE,
            now=now,
            actor="phone",
            source=source,
        )
        if result.participant is None:
            return _Answer(result)
        first_time = ""
        if result.attendance is not None:
            first_time = hhmm(result.attendance.checked_in_at, group.timezone)
        return _Answer(result, result.participant.first_name, first_time)


# -- HTTP -----------------------------------------------------------------------------------------

_MESSAGES = {
    400: ("Check in", "Please type the code from your card."),
    403: ("Not allowed", "Please open the check-in page again and send the code from there."),
    404: ("Not found", "Please scan the code on the facilitator's screen again."),
    405: ("Not allowed", "Please use the check-in form."),
    410: ("Check-in closed", page.CLOSED),
    413: ("Too much", "That was more than a code. Please type just the code from your card."),
    429: (
        "Too many tries",
        "Too many codes were not recognised. Please wait a minute, or see your facilitator.",
    ),
    503: ("Not available", "Check-in is not available right now — please see your facilitator."),
}


def _html(status: int, body: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/html", headers=headers)


def _error(status: int, headers: dict[str, str] | None = None) -> web.Response:
    title, message = _MESSAGES.get(
        status, ("Something went wrong", "Something went wrong — please see your facilitator.")
    )
    if status == 400:
        return _html(status, page.form_page(message), headers)
    return _html(status, page.message_page(title, message), headers)


@web.middleware
async def _guard(request: web.Request, handler: Callable[..., object]) -> web.StreamResponse:
    """Every answer is an HTML page with the security headers; no exception escapes as a trace."""
    try:
        response = await handler(request)  # type: ignore[misc]
        assert isinstance(response, web.StreamResponse)
    except web.HTTPException as exc:
        keep = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        response = _error(exc.status, keep)
    except asyncio.CancelledError:
        raise
    except UserError as exc:  # the database said no (locked, gone, full): not the member's fault
        log.error("check-in request failed: %s", type(exc.__cause__ or exc).__name__)
        response = _error(503)
    except Exception as exc:  # never a traceback (which could hold a code) on a phone or the log
        log.error("check-in request failed: %s", type(exc).__name__)
        response = _error(500)
    response.headers.update(page.SECURITY_HEADERS)
    return response


def _cross_site(request: web.Request) -> bool:
    """A POST that a browser says came from another site.

    `Origin: null` is accepted: the form page's `Referrer-Policy: no-referrer` makes browsers
    send exactly that for our own form. The token in the URL remains the real defence.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is None or origin.strip() == "null":
        return False
    return origin.strip().lower() != f"{request.scheme}://{request.host}".lower()


def _token_matches(given: str, token: str) -> bool:
    return secrets.compare_digest(
        given.encode("utf-8", "backslashreplace"), token.encode("utf-8", "backslashreplace")
    )


async def _check_live(state: _State) -> None:
    """Raise 410 once the session has ended, 404 if it is gone."""
    if state.closed:
        raise web.HTTPGone()
    try:
        live = await asyncio.to_thread(_session_is_live, state.database, state.session_id)
    except _Gone:
        raise web.HTTPNotFound() from None
    if not live:
        state.closed = True
        raise web.HTTPGone()


async def _read_code(request: web.Request) -> str:
    """The `code` field of the posted form (413 if too large, 400 if unreadable or missing)."""
    try:
        form = await request.post()
    except web.HTTPException:
        raise
    except Exception:
        raise web.HTTPBadRequest() from None
    value = form.get("code")
    if not isinstance(value, str) or not value.strip(" \t\r\n-"):
        raise web.HTTPBadRequest()
    return value


async def _notify(state: _State, result: CheckInResult) -> None:
    """Tell the UI (in the loop's thread); its failure never spoils the member's answer."""
    if state.on_checkin is None:
        return
    try:
        returned = state.on_checkin(result)
        if inspect.isawaitable(returned):
            await returned
    except Exception as exc:
        log.error("on_checkin callback failed: %s", type(exc).__name__)


async def _checkin_endpoint(request: web.Request) -> web.StreamResponse:
    """`/c/{token}`: the form (GET/HEAD) and the check-in (POST)."""
    from facilitator.session.attendance import Outcome

    state = request.app[STATE]
    if not state.open or not _token_matches(request.match_info["token"], state.token):
        raise web.HTTPNotFound()
    if request.method not in ALLOWED_METHODS:
        raise web.HTTPMethodNotAllowed(request.method, ALLOWED_METHODS)
    if request.method in ("GET", "HEAD"):
        await _check_live(state)
        return _html(200, page.form_page())

    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    if _cross_site(request):
        raise web.HTTPForbidden()
    address = request.remote or "unknown"
    wait = state.limiter.retry_after(address)
    if wait is not None:
        raise web.HTTPTooManyRequests(headers={"Retry-After": str(max(1, math.ceil(wait)))})
    raw_code = await _read_code(request)
    if state.closed:
        raise web.HTTPGone()
    now = state.clock()
    try:
        answer = await asyncio.to_thread(
            _retrying,
            lambda: _attempt(state.database, state.session_id, raw_code, now, address),
        )
    except _Gone:
        raise web.HTTPNotFound() from None
    result = answer.result
    if result.outcome is Outcome.CLOSED:
        state.closed = True
        raise web.HTTPGone()
    if result.outcome is Outcome.UNKNOWN:
        state.limiter.record(address)
        return _html(422, page.form_page(page.NOT_RECOGNISED))
    await _notify(state, result)
    if result.outcome is Outcome.ALREADY:
        return _html(200, page.already_page(answer.first_name, answer.first_time))
    if result.outcome is Outcome.RETURNED:
        return _html(200, page.welcome_back_page(answer.first_name))
    return _html(200, page.welcome_page(answer.first_name))


def make_checkin_app(
    database: Database,
    session_id: str,
    token: str,
    *,
    clock: Now | None = None,
    on_checkin: OnCheckin | None = None,
    max_failures_per_minute: int = 10,
    monotonic: Callable[[], float] = time.monotonic,
) -> web.Application:
    """The check-in web app for one live session, reachable only under `/c/{token}`.

    `clock` gives check-in times (default: the wall clock); `monotonic` drives the failed-code
    window; `on_checkin(result)` is called in the loop's thread after every successful check-in
    (first, repeat or return), so the UI can refresh its roster.
    """
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError("the check-in token must carry at least 128 bits (use new_token())")
    if clock is None:
        from facilitator.common.clock import Clock

        clock = Clock()
    app = web.Application(middlewares=[_guard], client_max_size=MAX_BODY)
    app[STATE] = _State(
        database=database,
        session_id=session_id,
        token=token,
        clock=clock,
        on_checkin=on_checkin,
        limiter=FailureLimiter(max_failures_per_minute, monotonic=monotonic),
    )
    app.router.add_route("*", "/c/{token}", _checkin_endpoint)
    return app


class _QuietLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's server logger, minus the raw request bytes it logs for malformed requests.

    Those bytes can hold the secret token and a member's code; only the kind of problem stays.
    """

    def process(self, msg: object, kwargs: dict[str, object]) -> tuple[object, dict[str, object]]:
        kwargs.pop("exc_info", None)
        return "check-in server: a malformed request was refused", kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: object) -> None:
        if self.isEnabledFor(level):
            message, kwargs = self.process(msg, kwargs)
            self.logger.log(level, message, **kwargs)  # type: ignore[arg-type]


_QUIET = _QuietLogger(logging.getLogger("facilitator.checkin"), {})


class CheckinServer:
    """The phone check-in server of one live session: start it on the UI's loop, stop it at the end.

    Each `start` makes a new token (so the URL changes); `stop` kills it.
    """

    def __init__(
        self,
        database: Database,
        session_id: str,
        *,
        clock: Now | None = None,
        on_checkin: OnCheckin | None = None,
        max_failures_per_minute: int = 10,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.session_id = session_id
        self.clock = clock
        self.on_checkin = on_checkin
        self.max_failures_per_minute = max_failures_per_minute
        self.monotonic = monotonic
        self._runner: web.AppRunner | None = None
        self._app: web.Application | None = None
        self._token: str | None = None
        self._host = ""
        self._port = 0

    @property
    def running(self) -> bool:
        """Serving now."""
        return self._runner is not None

    @property
    def token(self) -> str | None:
        """The current token (None when stopped)."""
        return self._token

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) actually bound."""
        self._require_running()
        return self._host, self._port

    @property
    def url(self) -> str:
        """`http://HOST:PORT/c/TOKEN`, for the QR code and the text beneath it.

        A wildcard bind address (0.0.0.0, ::) is shown as this machine's LAN address.
        """
        self._require_running()
        assert self._token is not None
        host = default_host() if self._host in ("0.0.0.0", "::", "") else self._host
        return checkin_url(host, self._port, self._token)

    def _require_running(self) -> None:
        if self._runner is None:
            raise RuntimeError("the check-in server is not running")

    async def start(self, host: str = "127.0.0.1", port: int = 8765) -> tuple[str, int]:
        """Serve on `host`:`port` (0 picks a free port); returns the bound (host, port).

        Raises `PortInUse` if the port is taken, `CheckinError` for any other bind problem.
        """
        if self._runner is not None:
            raise RuntimeError("the check-in server is already running")
        token = new_token()
        app = make_checkin_app(
            self.database,
            self.session_id,
            token,
            clock=self.clock,
            on_checkin=self.on_checkin,
            max_failures_per_minute=self.max_failures_per_minute,
            monotonic=self.monotonic,
        )
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=2.0, logger=_QUIET
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise _bind_error(exc, host, port) from None
        bound = runner.addresses[0]
        self._host, self._port = str(bound[0]), int(bound[1])
        self._runner, self._app, self._token = runner, app, token
        return self._host, self._port

    async def stop(self) -> None:
        """Stop serving; the token dies with it. Safe to call twice."""
        runner, app = self._runner, self._app
        self._runner = self._app = None
        self._token = None
        if app is not None:
            app[STATE].open = False
        if runner is not None:
            await runner.cleanup()


def _bind_error(exc: OSError, host: str, port: int) -> CheckinError:
    """A message the facilitator can act on, for a failed bind."""
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return PortInUse(
            f"phone check-in cannot start: port {port} is already in use on {host} "
            "(is another facilitator window open?); use --checkin-port with another port, "
            "or 0 for any free port"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return CheckinError(
            f"phone check-in cannot start: {host} is not an address of this machine "
            "(check --checkin-host)"
        )
    if exc.errno == errno.EACCES:
        return CheckinError(
            f"phone check-in cannot start: no permission to use port {port} "
            "(ports below 1024 need privileges; the default is 8765)"
        )
    reason = exc.strerror or str(exc)
    return CheckinError(f"phone check-in cannot start on {where}: {reason}")
