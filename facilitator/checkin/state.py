"""What one check-in app knows and keeps between requests: its session, token, limits, callbacks,
its own thread pool, and the remembered answers to valid codes (for replays)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from aiohttp import web

from facilitator.checkin.attempt import Answer
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
    answered: dict[str, tuple[float, Answer]] = field(default_factory=dict)
    open: bool = True
    closed: bool = False  # the session has ended (remembered, to spare the database)

    async def run(self, work: Callable[[], T]) -> T:
        """`work()` in this app's own threads (never the loop's shared pool)."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

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
