"""Doing something once a burst of events is over: a save once typing has stopped."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.message_pump import MessagePump
    from textual.timer import Timer


class Debouncer:
    """Calls `action` once `delay` seconds have passed since the last `poke` (a timer of
    `owner`'s); `cancel` forgets a call still to come."""

    def __init__(self, owner: MessagePump, delay: float, action: Callable[[], object]) -> None:
        self._owner = owner
        self._delay = delay
        self._action = action
        self._timer: Timer | None = None

    def poke(self) -> None:
        """Something happened: call `action` once `delay` seconds pass without another poke."""
        self.cancel()
        self._timer = self._owner.set_timer(self._delay, self._action)

    def cancel(self) -> None:
        """No call is to come (until the next poke)."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = None
