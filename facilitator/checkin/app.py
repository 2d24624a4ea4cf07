"""The phone check-in web app (CONTRACT section 5): `GET|POST /c/TOKEN`, nothing else.

Runs on the same asyncio loop as the Textual UI, so every database call goes to a worker thread
(`asyncio.to_thread`) and the loop never blocks; the database work is in `checkin.attempt`.

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
- a body over 4 KiB → 413; a body not sent within `body_timeout` seconds → 408.
- more than `max_failures_per_minute` unknown codes from one address within 60 seconds, or
  (for an address that has sent one) more than `global_failures_per_minute` from all addresses
  → 429 (`Retry-After` set). One attempt per address is in flight at a time and takes its slot
  before anything is awaited, so the limits hold for any burst (`checkin.limiter`).
- a valid code sent again within a minute is answered from memory ("already checked in"):
  no database work, no audit row, no redraw of the screen.

The token in the path is the capability. Nothing here logs a name, a code or the token.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from facilitator.checkin import page
from facilitator.checkin.attempt import (
    Answer,
    SessionGone,
    attempt_check_in,
    normalised,
    retrying,
    session_is_live,
)
from facilitator.checkin.limiter import WINDOW_SECONDS, AddressTurns, FailureLimiter
from facilitator.errors import UserError

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

    from facilitator.common.clock import Now
    from facilitator.session.attendance import CheckInResult
    from facilitator.store.database import Database

log = logging.getLogger("facilitator.checkin")

MAX_BODY = 4096
"""Largest request body accepted, in bytes (a code needs a few dozen)."""

BODY_TIMEOUT = 10.0
"""Seconds a request may take to send its body."""

MAX_REMEMBERED = 1024
"""Valid codes remembered for answering replays (a roster is far smaller)."""

MIN_TOKEN_LENGTH = 22
"""`secrets.token_urlsafe(16)` (128 bits) is 22 characters; anything shorter is refused."""

ALLOWED_METHODS = ("GET", "HEAD", "POST")

OnCheckin = Callable[["CheckInResult"], object]
"""Called in the loop's thread after every successful check-in; may return an awaitable."""


@dataclass
class _State:
    """What one check-in app knows: its session, its token, its limits and its callback."""

    database: Database
    session_id: str
    token: str
    clock: Now
    on_checkin: OnCheckin | None
    limiter: FailureLimiter
    monotonic: Callable[[], float] = time.monotonic
    body_timeout: float = BODY_TIMEOUT
    turns: AddressTurns = field(default_factory=AddressTurns)
    answered: dict[str, tuple[float, Answer]] = field(default_factory=dict)
    open: bool = True
    closed: bool = False  # the session has ended (remembered, to spare the database)

    def remembered(self, code: str) -> Answer | None:
        """The answer to a valid code checked within the window, if any."""
        seen = self.answered.get(code)
        if seen is None:
            return None
        if self.monotonic() - seen[0] >= WINDOW_SECONDS:
            del self.answered[code]
            return None
        return seen[1]

    def remember(self, code: str, answer: Answer) -> None:
        """Keep a valid code's answer for replays (bounded; the oldest go first)."""
        if len(self.answered) >= MAX_REMEMBERED:
            for old in list(self.answered)[: MAX_REMEMBERED // 4]:
                del self.answered[old]
        self.answered[code] = (self.monotonic(), answer)


STATE = web.AppKey("facilitator.checkin", _State)
"""Where a check-in app keeps its `_State`; `open = False` there kills the token."""

_MESSAGES = {
    400: ("Check in", "Please type the code from your card."),
    403: ("Not allowed", "Please open the check-in page again and send the code from there."),
    404: ("Not found", "Please scan the code on the facilitator's screen again."),
    405: ("Not allowed", "Please use the check-in form."),
    410: ("Check-in closed", page.CLOSED),
    408: ("Too slow", "The code took too long to arrive. Please try again."),
    413: ("Too much", "That was more than a code. Please type just the code from your card."),
    429: (
        "Too many tries",
        "Too many codes were not recognised. Please wait a minute, or see your facilitator.",
    ),
    503: ("Not available", "Check-in is not available right now — please see your facilitator."),
}

_MALFORMED = ("Not understood", "Please scan the code on the facilitator's screen again.")


def _html(status: int, body: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/html", headers=headers)


def _error(status: int, headers: dict[str, str] | None = None) -> web.Response:
    title, message = _MESSAGES.get(
        status, ("Something went wrong", "Something went wrong — please see your facilitator.")
    )
    if status == 400:
        return _html(status, page.form_page(message), headers)
    return _html(status, page.message_page(title, message), headers)


def error_response(status: int) -> web.Response:
    """The page for a request the HTTP layer refused (malformed, too large, too slow).

    From the app's templates, with the security headers; it never repeats the request.
    """
    response = _html(400, page.message_page(*_MALFORMED)) if status == 400 else _error(status)
    response.headers.update(page.SECURITY_HEADERS)
    return response


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer is an HTML page with the security headers; no exception escapes as a trace."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        keep = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        response = _error(exc.status, keep)
        if exc.status in (408, 413):  # the rest of the body is not worth waiting for
            response.force_close()
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
        live = await asyncio.to_thread(session_is_live, state.database, state.session_id)
    except SessionGone:
        raise web.HTTPNotFound() from None
    if not live:
        state.closed = True
        raise web.HTTPGone()


async def _read_code(request: web.Request, timeout: float) -> str:
    """The `code` field of the posted form (413 if too large, 408 if too slow, 400 if unreadable
    or missing)."""
    try:
        async with asyncio.timeout(timeout):
            form = await request.post()
    except TimeoutError:
        raise web.HTTPRequestTimeout(headers={"Connection": "close"}) from None
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
    _refuse_if_limited(state, address)
    raw_code = await _read_code(request, state.body_timeout)
    if state.closed:
        raise web.HTTPGone()
    code = normalised(raw_code)
    if (replayed := state.remembered(code)) is not None:
        return _replay(replayed)
    async with state.turns.turn(address):
        if (replayed := state.remembered(code)) is not None:  # sent twice at once
            return _replay(replayed)
        _refuse_if_limited(state, address, admit=True)
        failed = False
        try:
            answer = await _attempt(state, raw_code, address)
            failed = answer.result.outcome is Outcome.UNKNOWN
        finally:
            state.limiter.settle(address, failed=failed)
    result = answer.result
    if result.outcome is Outcome.UNKNOWN:
        return _html(422, page.form_page(page.NOT_RECOGNISED))
    state.remember(code, answer)
    await _notify(state, result)
    if result.outcome is Outcome.ALREADY:
        return _html(200, page.already_page(answer.first_name, answer.first_time))
    if result.outcome is Outcome.RETURNED:
        return _html(200, page.welcome_back_page(answer.first_name))
    return _html(200, page.welcome_page(answer.first_name))


def _replay(answer: Answer) -> web.Response:
    """A valid code sent again within the minute: no database, no audit row, no redraw."""
    return _html(200, page.already_page(answer.first_name, answer.first_time))


def _refuse_if_limited(state: _State, address: str, *, admit: bool = False) -> None:
    """429 (with `Retry-After`) while `address` must wait; with `admit`, take its slot."""
    limiter = state.limiter
    wait = limiter.admit(address) if admit else limiter.retry_after(address)
    if wait is not None:
        raise web.HTTPTooManyRequests(headers={"Retry-After": str(max(1, math.ceil(wait)))})


async def _attempt(state: _State, raw_code: str, address: str) -> Answer:
    """One check-in against the database, in a worker thread (410/404 when it cannot be)."""
    from facilitator.session.attendance import Outcome

    now = state.clock()
    try:
        answer = await asyncio.to_thread(
            retrying,
            lambda: attempt_check_in(state.database, state.session_id, raw_code, now, address),
        )
    except SessionGone:
        raise web.HTTPNotFound() from None
    if answer.result.outcome is Outcome.CLOSED:
        state.closed = True
        raise web.HTTPGone()
    return answer


def make_checkin_app(
    database: Database,
    session_id: str,
    token: str,
    *,
    clock: Now | None = None,
    on_checkin: OnCheckin | None = None,
    max_failures_per_minute: int = 10,
    global_failures_per_minute: int | None = None,
    body_timeout: float = BODY_TIMEOUT,
    monotonic: Callable[[], float] = time.monotonic,
) -> web.Application:
    """The check-in web app for one live session, reachable only under `/c/{token}`.

    `clock` gives check-in times (default: the wall clock); `monotonic` drives the failed-code
    window and the memory of valid codes; `global_failures_per_minute` defaults to
    `limiter.GLOBAL_FAILURES_PER_MINUTE` (never below the per-address limit). `on_checkin(result)`
    is called in the loop's thread after every check-in that reached the database (first, repeat
    or return; not a replay answered from memory), so the UI can refresh its roster.
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
        limiter=FailureLimiter(
            max_failures_per_minute, global_limit=global_failures_per_minute, monotonic=monotonic
        ),
        monotonic=monotonic,
        body_timeout=body_timeout,
    )
    app.router.add_route("*", "/c/{token}", _checkin_endpoint)
    return app
