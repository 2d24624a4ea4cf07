"""The failed-code limits of phone check-in, on an injected monotonic clock (tests move time).

- Per address: at most `limit` unknown codes in a sliding window. An attempt takes a slot
  (`admit`) before anything is awaited and gives it back (`settle`) when the answer is known, so
  the limit holds however many requests arrive at once.
- Across addresses: a global budget of unknown codes per window, never exceeded. Attempts in
  flight count against it until they settle, so a burst cannot overshoot it. Addresses that
  have already sent an unknown code share the budget less a reserve; the reserve is kept for
  first tries from new addresses, so a member arriving during a sweep still gets in. A correct
  code never spends the budget: a room arriving at once waits only for the attempts in flight
  (`acquire`), never for the window.
- `AddressTurns`: one attempt in flight per address; the others wait their turn (a room behind
  one Wi-Fi address still gets in, one after another).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

WINDOW_SECONDS = 60.0
"""The sliding window of the failed-code limits."""

GLOBAL_FAILURES_PER_MINUTE = 40
"""Unknown codes a minute across all addresses: the most a sweep can have checked."""

FIRST_TRY_RESERVE = 25
"""Part of the global budget only first tries from addresses without a failure may spend."""

PATIENCE_SECONDS = 10.0
"""How long an attempt waits for others in flight to settle before it is told to retry."""


class FailureLimiter:
    """Failed codes per remote address and in total, in a sliding window."""

    def __init__(
        self,
        limit: int,
        *,
        global_limit: int | None = None,
        window: float = WINDOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        max_addresses: int = 4096,
    ) -> None:
        if limit < 1:
            raise ValueError("the failed-code limit must be at least 1")
        self.limit = limit
        self.global_limit = max(limit, global_limit or GLOBAL_FAILURES_PER_MINUTE)
        self.reserve = min(FIRST_TRY_RESERVE, self.global_limit - 1)
        self.window = window
        self.monotonic = monotonic
        self.max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._pending: dict[str, int] = {}
        self._in_flight = 0
        self._settled: asyncio.Event | None = None

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

    def _global_wait(self, now: float, *, first_try: bool) -> float | None:
        while self._all and now - self._all[0] >= self.window:
            self._all.popleft()
        share = self.global_limit if first_try else self.global_limit - self.reserve
        if len(self._all) + self._in_flight < share:
            return None
        over = len(self._all) - share  # failures that must leave the window first
        if over < 0 or not self._all:
            return 0.0  # only attempts in flight stand in the way: a moment
        return max(0.0, self.window - (now - self._all[over]))

    def retry_after(self, address: str) -> float | None:
        """Seconds until `address` may try again, or None if it may try now.

        0.0 means "as soon as an attempt in flight settles" (`acquire` waits for that).
        """
        now = self.monotonic()
        times = self._recent(address, now)
        used = (len(times) if times else 0) + self._pending.get(address, 0)
        if used >= self.limit:
            if times is None or len(times) < self.limit:
                return 0.0  # its other attempts are still in flight
            return max(0.0, self.window - (now - times[-self.limit]))
        return self._global_wait(now, first_try=times is None)

    def admit(self, address: str) -> float | None:
        """Take a slot for one attempt from `address` (None), or say how long to wait."""
        wait = self.retry_after(address)
        if wait is None:
            self._pending[address] = self._pending.get(address, 0) + 1
            self._in_flight += 1
        return wait

    async def acquire(self, address: str, patience: float = PATIENCE_SECONDS) -> float | None:
        """`admit`, waiting (up to `patience` seconds) while only attempts in flight hold it back.

        None: the slot is taken. A number: seconds to tell the phone to wait (`Retry-After`).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        while (wait := self.admit(address)) == 0.0:
            left = deadline - loop.time()
            if left <= 0:
                return 1.0
            if self._settled is None:
                self._settled = asyncio.Event()
            try:
                await asyncio.wait_for(self._settled.wait(), left)
            except TimeoutError:
                return 1.0
        return wait

    def settle(self, address: str, *, failed: bool) -> None:
        """Give back the slot `admit` took; a failed attempt counts in the window."""
        left = self._pending.get(address, 0) - 1
        if left > 0:
            self._pending[address] = left
        else:
            self._pending.pop(address, None)
        self._in_flight = max(0, self._in_flight - 1)
        if failed:
            self.record(address)
        if self._settled is not None:
            self._settled.set()
            self._settled = None

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
        self._all.append(now)
        while len(self._all) > self.global_limit:
            self._all.popleft()

    def _prune(self, now: float) -> None:
        for address in list(self._failures):
            self._recent(address, now)
        if len(self._failures) >= self.max_addresses:
            # Still full of fresh offenders: forget the oldest one rather than grow.
            oldest = min(self._failures, key=lambda a: self._failures[a][-1])
            del self._failures[oldest]


class AddressTurns:
    """One attempt in flight per remote address; the rest wait in arrival order."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, address: str) -> AsyncIterator[None]:
        """Wait for `address`'s turn, and hold it inside the block."""
        lock, users = self._locks.get(address, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[address] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[address]
            if users <= 1:
                del self._locks[address]
            else:
                self._locks[address] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
