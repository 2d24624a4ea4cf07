"""One phone check-in attempt against the database, run in a worker thread.

The check-in itself is the exactly-once core (`session.code_checkin`, a batch of codes in a
few statements): repeats are harmless and keep the first time, from any thread or laptop, so a
momentary SQLite lock is simply retried. When the group asks check-in scales, a good check-in
also gets the one-time receipt the greeting page carries (`session.receipts`). Heavy imports
(SQLAlchemy, the models) happen on first use.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import datetime as dt

    from facilitator.session.attendance import CheckInResult
    from facilitator.session.code_checkin import CodeCheckIn
    from facilitator.store.database import Database
    from facilitator.store.models import Group

MAX_CODE_LENGTH = 64
"""Longer `code` values are not looked up: they count as unknown codes."""


class SessionGone(Exception):
    """The session does not exist."""


@dataclass(frozen=True)
class Answer:
    """What the database said about one attempt, in plain values for the page."""

    result: CheckInResult
    first_name: str = ""
    first_time: str = ""
    receipt: str | None = None
    """The one-time receipt for the scales (None: nothing to ask)."""
    scale: str | None = None
    """The first scale to ask with it."""


def normalised(raw_code: str) -> str:
    """The code as looked up: case, spaces and dashes ignored; an over-long value left as is."""
    from facilitator.program import codes

    return codes.normalise(raw_code) if len(raw_code) <= MAX_CODE_LENGTH else raw_code


def _is_lock(exc: BaseException) -> bool:
    """A momentary SQLite lock, raw or wrapped by `Database.session` in a UserError."""
    from sqlalchemy.exc import OperationalError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OperationalError):
            return "locked" in str(seen.orig).lower() or "busy" in str(seen.orig).lower()
        seen = seen.__cause__
    return False


T = TypeVar("T")


def retrying(work: Callable[[], T]) -> T:
    """Run `work`, retrying a few times if SQLite reports a momentary lock (work is idempotent)."""
    for attempt in range(5):
        try:
            return work()
        except Exception as exc:
            if attempt == 4 or not _is_lock(exc):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def session_is_live(database: Database, session_id: str) -> bool:
    """Whether the session is still live (raises SessionGone if it does not exist)."""
    from facilitator.store.models import GroupSession, SessionState

    with database.session() as db:
        session = db.get(GroupSession, session_id)
        if session is None:
            raise SessionGone
        return session.state == SessionState.LIVE


def attempt_check_in(
    database: Database, session_id: str, raw_code: str, now: dt.datetime, source: str
) -> Answer:
    """Check a member of the session's group in by code, or record the failed attempt."""
    return attempt_check_ins(database, session_id, [(raw_code, now, source)])[0]


def attempt_check_ins(
    database: Database, session_id: str, attempts: Sequence[tuple[str, dt.datetime, str]]
) -> list[Answer]:
    """Several phones' codes (code, time, address) in one transaction, in order: check-ins that
    arrive together share one commit (a group commit) and a few statements
    (`session.code_checkin`). Any error leaves none of them stored."""
    from facilitator.session.code_checkin import check_in_codes

    looked_up = [(normalised(code), now, source) for code, now, source in attempts]
    with database.session() as db:
        batch = check_in_codes(db, session_id, looked_up)
        if batch is None:
            raise SessionGone
    saved = time.monotonic()  # committed: a screen's read that begins later has them all
    return [_answer(batch.group, each, saved) for each in batch.done]


def _answer(group: Group, done: CodeCheckIn, saved: float) -> Answer:
    """One code's answer in plain values for the page, marked with the commit's moment."""
    from facilitator.common.timeutil import hhmm
    from facilitator.session.scales import scales_of

    result = replace(done.result, saved_at=saved)
    if result.participant is None or result.attendance is None:
        return Answer(result)
    first_time = hhmm(result.attendance.checked_in_at, group.timezone)
    scale = scales_of(group)[0] if done.receipt is not None else None
    return Answer(result, result.participant.first_name, first_time, done.receipt, scale)
