"""What one check-in app knows and keeps between requests: its session, token, limits, callbacks,
its own thread pool, and the remembered answers to valid codes (for replays)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from aiohttp import web

from facilitator.checkin.attempt import Answer, attempt_check_ins, retrying
from facilitator.checkin.limiter import WINDOW_SECONDS, AddressTurns, FailureLimiter

if TYPE_CHECKING:
    from facilitator.common.clock import Now
    from facilitator.session.attendance import CheckInResult
    from facilitator.store.database import Database

BODY_TIMEOUT = 10.0
"""Seconds a request may take to send its body."""

MAX_REMEMBERED = 1024
"""Valid codes remembered for answering replays (a roster is far smaller)."""

POOL_THREADS = 4
"""Threads of the check-in app's own pool for database work (one attempt per address at a time;
the database takes one write at a time anyway)."""

T = TypeVar("T")

OnCheckin = Callable[["CheckInResult"], object]
"""Called in the loop's thread after every successful check-in; may return an awaitable."""

OnAnswer = Callable[[int], object]
"""Called in the loop's thread with the attendance id after scales were answered."""


@dataclass
class AppState:
    """What one check-in app knows: its session, its token, its limits and its callback."""

    database: Database
    session_id: str
    token: str
    clock: Now
    on_checkin: OnCheckin | None
    limiter: FailureLimiter
    on_answer: OnAnswer | None = None
    monotonic: Callable[[], float] = time.monotonic
    body_timeout: float = BODY_TIMEOUT
    turns: AddressTurns = field(default_factory=AddressTurns)
    pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="checkin")
    )
    waiting: list[tuple[tuple[str, dt.datetime, str], asyncio.Future[Answer]]] = field(
        default_factory=list
    )
    batching: asyncio.Task[None] | None = None
    answered: dict[str, tuple[float, Answer]] = field(default_factory=dict)
    open: bool = True
    closed: bool = False  # the session has ended (remembered, to spare the database)

    async def run(self, work: Callable[[], T]) -> T:
        """`work()` in this app's own threads (never the loop's shared pool)."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    async def check_in(self, raw_code: str, now: dt.datetime, address: str) -> Answer:
        """One phone's code against the database. Codes that arrive while a batch is being
        saved wait and go together in the next one: one transaction, one commit."""
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self.waiting.append(((raw_code, now, address), answer))
        if self.batching is None:
            self.batching = asyncio.create_task(self._save_batches())
        return await answer

    async def _save_batches(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                await self._save([attempt for attempt, _ in batch], [f for _, f in batch])
        finally:
            self.batching = None

    async def _save(
        self, attempts: list[tuple[str, dt.datetime, str]], answers: list[asyncio.Future[Answer]]
    ) -> None:
        """Save a batch; if it fails as a whole, each code alone (so one bad one fails alone)."""
        database, session_id = self.database, self.session_id
        try:
            saved = await self.run(
                partial(retrying, lambda: attempt_check_ins(database, session_id, attempts))
            )
        except Exception as exc:
            if len(attempts) > 1 and not _whole_database(exc):
                for attempt, answer in zip(attempts, answers, strict=True):
                    await self._save([attempt], [answer])
            else:
                for answer in answers:
                    if not answer.done():
                        answer.set_exception(exc)
            return
        for answer, result in zip(answers, saved, strict=True):
            if not answer.done():
                answer.set_result(result)

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

    def receipt_used(self, receipt: str) -> None:
        """A remembered greeting must not offer a used receipt again."""
        for code, (when, answer) in list(self.answered.items()):
            if answer.receipt == receipt:
                self.answered[code] = (when, replace(answer, receipt=None, scale=None))


STATE = web.AppKey("facilitator.checkin", AppState)
"""Where a check-in app keeps its `AppState`; `open = False` there kills the token."""


def _whole_database(exc: BaseException) -> bool:
    """A failure of the database or the session, not of one code: the same for every code of
    a batch, so trying them one by one would only multiply the wait."""
    from sqlalchemy.exc import OperationalError

    from facilitator.checkin.attempt import SessionGone
    from facilitator.errors import UserError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (OperationalError, SessionGone, UserError)):
            return True
        seen = seen.__cause__
    return False
