"""The phone check-in web app (CONTRACT section 5): `GET|POST /c/TOKEN`, nothing else.

Runs on the same asyncio loop as the Textual UI, so every database call goes to a worker thread
(the app's own small thread pool, so the screen's work never starves a phone) and the loop never
blocks; the database work is in `checkin.attempt`.

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
  more than `global_failures_per_minute` from all addresses (part of it kept for first tries
  from new addresses) → 429 (`Retry-After` set). One attempt per address is in flight at a
  time and takes its slot before anything is awaited, so the limits hold for any burst
  (`checkin.limiter`).
- a valid code sent again within a minute is answered from memory ("already checked in"):
  no database work, no audit row, no redraw of the screen.
- when the group asks check-in scales (CONTRACT 10), the greeting carries a one-time `receipt`
  and asks the first scale; `POST /c/TOKEN` with `receipt` (and `craving`/`mood`) asks the next
  scale or stores the answers → 200 "thank you". An unknown receipt (or another session's)
  → 422, a used one → 409, a value that is not a whole number 0-10 → 400, nothing stored
  (`checkin.answers`).
- every page is in English or Spanish, from the phone's `Accept-Language` (`checkin.i18n`).

The token in the path is the capability. Nothing here logs a name, a code or the token.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from facilitator.checkin import page
from facilitator.checkin.answers import Step, take_answers
from facilitator.checkin.attempt import (
    Answer,
    SessionGone,
    normalised,
    retrying,
    session_is_live,
)
from facilitator.checkin.guards import cross_site, token_matches
from facilitator.checkin.limiter import FailureLimiter
from facilitator.checkin.responses import REFUSED
from facilitator.checkin.responses import error as _error
from facilitator.checkin.responses import html as _html
from facilitator.checkin.responses import lang_of as _lang
from facilitator.checkin.state import (
    BODY_TIMEOUT,
    STATE,
    AppState,
    OnAnswer,
    OnCheckin,
)
from facilitator.errors import UserError

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

    from facilitator.common.clock import Now
    from facilitator.session.attendance import CheckInResult
    from facilitator.store.database import Database

log = logging.getLogger("facilitator.checkin")

MAX_BODY = 4096
"""Largest request body accepted, in bytes (a code needs a few dozen)."""

MIN_TOKEN_LENGTH = 22
"""`secrets.token_urlsafe(16)` (128 bits) is 22 characters; anything shorter is refused."""

ALLOWED_METHODS = ("GET", "HEAD", "POST")


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer is an HTML page with the security headers; no exception escapes as a trace."""
    lang = _lang(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        keep = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        response = _error(exc.status, keep, lang)
        if exc.status in (408, 413):  # the rest of the body is not worth waiting for
            response.force_close()
    except asyncio.CancelledError:
        raise
    except UserError as exc:  # the database said no (locked, gone, full): not the member's fault
        log.error("check-in request failed: %s", type(exc.__cause__ or exc).__name__)
        response = _error(503, lang=lang)
    except Exception as exc:  # never a traceback (which could hold a code) on a phone or the log
        log.error("check-in request failed: %s", type(exc).__name__)
        response = _error(500, lang=lang)
    response.headers.update(page.SECURITY_HEADERS)
    return response


async def _check_live(state: AppState) -> None:
    """Raise 410 once the session has ended, 404 if it is gone."""
    if state.closed:
        raise web.HTTPGone()
    try:
        live = await state.run(partial(session_is_live, state.database, state.session_id))
    except SessionGone:
        raise web.HTTPNotFound() from None
    if not live:
        state.closed = True
        raise web.HTTPGone()


async def _read_form(request: web.Request, timeout: float) -> dict[str, str]:
    """The posted form's text fields (413 if too large, 408 if too slow, 400 if unreadable)."""
    try:
        async with asyncio.timeout(timeout):
            form = await request.post()
    except TimeoutError:
        raise web.HTTPRequestTimeout(headers={"Connection": "close"}) from None
    except web.HTTPException:
        raise
    except Exception:
        raise web.HTTPBadRequest() from None
    fields: dict[str, str] = {}
    for key, value in form.items():  # a field sent twice: the first counts
        if isinstance(value, str):
            fields.setdefault(key, value)
    return fields


def _code_of(form: dict[str, str]) -> str:
    """The `code` field (400 if missing or empty)."""
    value = form.get("code")
    if value is None or not value.strip(" \t\r\n-"):
        raise web.HTTPBadRequest()
    return value


async def _notify(state: AppState, result: CheckInResult) -> None:
    """Tell the UI (in the loop's thread); its failure never spoils the member's answer."""
    await _call("on_checkin", state.on_checkin, result)


async def _call(name: str, callback: Callable[[Any], object] | None, value: object) -> None:
    """Call a UI callback (awaiting what it returns); its failure is logged, not raised."""
    if callback is None:
        return
    try:
        returned = callback(value)
        if inspect.isawaitable(returned):
            await returned
    except Exception as exc:
        log.error("%s callback failed: %s", name, type(exc).__name__)


async def _checkin_endpoint(request: web.Request) -> web.StreamResponse:
    """`/c/{token}`: the form (GET/HEAD) and the check-in (POST)."""
    from facilitator.session.attendance import Outcome

    state = request.app[STATE]
    if not state.open or not token_matches(request.match_info["token"], state.token):
        raise web.HTTPNotFound()
    if request.method not in ALLOWED_METHODS:
        raise web.HTTPMethodNotAllowed(request.method, ALLOWED_METHODS)
    lang = _lang(request)
    if request.method in ("GET", "HEAD"):
        await _check_live(state)
        return _html(200, page.form_page(lang=lang))

    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    if cross_site(request):
        raise web.HTTPForbidden()
    address = request.remote or "unknown"
    _refuse_if_limited(state, address)
    form = await _read_form(request, state.body_timeout)
    if state.closed:
        raise web.HTTPGone()
    if "receipt" in form:
        return await _answer_endpoint(state, form, address, lang)
    raw_code = _code_of(form)
    code = normalised(raw_code)
    if (replayed := state.remembered(code)) is not None:
        return _replay(replayed, lang)
    async with state.turns.turn(address):
        if (replayed := state.remembered(code)) is not None:  # sent twice at once
            return _replay(replayed, lang)
        await _take_slot(state, address)
        failed = False
        try:
            answer = await _attempt(state, raw_code, address)
            failed = answer.result.outcome is Outcome.UNKNOWN
        finally:
            state.limiter.settle(address, failed=failed)
    result = answer.result
    if result.outcome is Outcome.UNKNOWN:
        return _html(422, page.form_page(page.NOT_RECOGNISED, lang=lang))
    state.remember(code, answer)
    await _notify(state, result)
    ask = _ask(answer)
    if result.outcome is Outcome.ALREADY:
        return _html(
            200, page.already_page(answer.first_name, answer.first_time, lang=lang, ask=ask)
        )
    if result.outcome is Outcome.RETURNED:
        return _html(200, page.welcome_back_page(answer.first_name, lang=lang, ask=ask))
    return _html(200, page.welcome_page(answer.first_name, lang=lang, ask=ask))


def _ask(answer: Answer) -> page.Ask | None:
    """The first scale the greeting asks, with its receipt (None: nothing to ask)."""
    if answer.receipt is None or answer.scale is None:
        return None
    return page.Ask(answer.scale, answer.receipt)


def _replay(answer: Answer, lang: str) -> web.Response:
    """A valid code sent again within the minute: no database, no audit row, no redraw."""
    body = page.already_page(answer.first_name, answer.first_time, lang=lang, ask=_ask(answer))
    return _html(200, body)


async def _answer_endpoint(
    state: AppState, form: dict[str, str], address: str, lang: str
) -> web.Response:
    """A scale answered from the greeting page: the next scale, thank you, or a refusal.

    An unknown receipt counts as a failed attempt (the same limits as unknown codes).
    """
    receipt = form["receipt"]
    async with state.turns.turn(address):
        await _take_slot(state, address)
        failed = False
        try:
            now = state.clock()
            step: Step = await state.run(
                partial(
                    retrying,
                    lambda: take_answers(state.database, state.session_id, receipt, form, now),
                )
            )
            failed = step.refused == "unknown"
        finally:
            state.limiter.settle(address, failed=failed)
    if step.refused is not None:
        status, title, message = REFUSED[step.refused]
        if step.refused == "closed":
            state.closed = True
        return _html(status, page.message_page(title, message, lang=lang))
    if step.ask is not None:
        return _html(200, page.scale_page(page.Ask(step.ask, receipt, step.carried), lang=lang))
    state.receipt_used(receipt)
    if step.attendance_id is not None:
        await _call("on_answer", state.on_answer, step.attendance_id)
    return _html(200, page.thanks_page(lang=lang))


def _too_many(wait: float) -> web.HTTPTooManyRequests:
    return web.HTTPTooManyRequests(headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _refuse_if_limited(state: AppState, address: str) -> None:
    """429 (with `Retry-After`) while `address` must wait for the window."""
    wait = state.limiter.retry_after(address)
    if wait is not None and wait > 0:
        raise _too_many(wait)


async def _take_slot(state: AppState, address: str) -> None:
    """Take `address`'s slot for one attempt, waiting briefly for attempts in flight; else 429."""
    wait = await state.limiter.acquire(address)
    if wait is not None:
        raise _too_many(wait)


async def _attempt(state: AppState, raw_code: str, address: str) -> Answer:
    """One check-in against the database, in a worker thread, maybe in one transaction with
    others that arrived together (410/404 when it cannot be)."""
    from facilitator.session.attendance import Outcome

    now = state.clock()
    try:
        answer = await state.check_in(raw_code, now, address)
    except SessionGone:
        raise web.HTTPNotFound() from None
    if answer.result.outcome is Outcome.CLOSED:
        state.closed = True
        raise web.HTTPGone()
    return answer


async def _close_pool(app: web.Application) -> None:
    app[STATE].pool.shutdown(wait=False, cancel_futures=True)


def make_checkin_app(
    database: Database,
    session_id: str,
    token: str,
    *,
    clock: Now | None = None,
    on_checkin: OnCheckin | None = None,
    on_answer: OnAnswer | None = None,
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
    or return; not a replay answered from memory), so the UI can refresh its roster;
    `on_answer(attendance_id)` likewise after a member's scales were stored.
    """
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError("the check-in token must carry at least 128 bits (use new_token())")
    if clock is None:
        from facilitator.common.clock import Clock

        clock = Clock()
    app = web.Application(middlewares=[_guard], client_max_size=MAX_BODY)
    app[STATE] = AppState(
        database=database,
        session_id=session_id,
        token=token,
        clock=clock,
        on_checkin=on_checkin,
        on_answer=on_answer,
        limiter=FailureLimiter(
            max_failures_per_minute, global_limit=global_failures_per_minute, monotonic=monotonic
        ),
        monotonic=monotonic,
        body_timeout=body_timeout,
    )
    app.router.add_route("*", "/c/{token}", _checkin_endpoint)
    app.on_cleanup.append(_close_pool)
    return app
