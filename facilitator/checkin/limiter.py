"""The failed-code limit of phone check-in: unknown codes per remote address in a sliding window.

Plain Python on an injected monotonic clock, so tests move time by hand.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
"""The sliding window of the failed-code limit."""


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
