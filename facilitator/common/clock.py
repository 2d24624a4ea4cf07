"""Clocks for timers: wall-clock time that ticks smoothly and survives suspend and restarts.

Timers never count ticks. Remaining time is always derived from persisted UTC timestamps and
`Clock.now()`, which follows the monotonic clock between readings (no jitter from small clock
slews) and re-anchors to the wall clock when the two disagree — after a laptop's suspend (Linux's
monotonic clock stops while suspended) or a deliberate clock change.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from facilitator.common.timeutil import utcnow

Now = Callable[[], dt.datetime]


class Clock:
    """`now()` in aware UTC: monotonic between readings, anchored to the wall clock."""

    def __init__(
        self,
        wall: Now = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        tolerance: float = 2.0,
    ) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._tolerance = tolerance
        self._anchor_wall = wall()
        self._anchor_mono = monotonic()

    def now(self) -> dt.datetime:
        """The current time; jumps to the wall clock if it drifted by more than the tolerance."""
        mono = self._monotonic()
        wall = self._wall()
        estimate = self._anchor_wall + dt.timedelta(seconds=mono - self._anchor_mono)
        if abs((wall - estimate).total_seconds()) > self._tolerance:
            self._anchor_wall, self._anchor_mono = wall, mono
            return wall
        return estimate

    __call__ = now


class FakeClock:
    """A clock for tests: time moves only when told to."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    now = __call__

    def advance(self, seconds: float = 0, *, minutes: float = 0) -> dt.datetime:
        """Move time forward and return the new now."""
        self.current += dt.timedelta(seconds=seconds, minutes=minutes)
        return self.current
