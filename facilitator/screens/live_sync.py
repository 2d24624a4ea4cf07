"""The live screen kept in step with the database: other laptops' changes, and changes waiting.

Every `poll_interval` seconds the screen reads the session's change marker (one small query) and
reloads only when it moved, so a check-in on another laptop (or its phone server), a status or
an agenda step shows on every open screen of the session within two seconds. When the database
is busy and changes wait to be saved, the roster says so until they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from facilitator.screens.work_queue import WorkQueue

if TYPE_CHECKING:
    from facilitator.session.live import LiveSession
    from facilitator.widgets.roster_panel import RosterPanel

POLL_INTERVAL = 1.0
"""Seconds between reads of the change marker."""

SLOW = 1.0
"""A change not saved after this many seconds is shown as waiting."""


def pending_text(count: int, busy: bool) -> str:
    """`1 change waiting to save — retrying` (`busy`: the database has said it is busy)."""
    changes = "1 change" if count == 1 else f"{count} changes"
    why = " — the database is busy" if busy else ""
    return f"{changes} waiting to save{why} — retrying"


@dataclass
class LiveSync:
    """Polls for changes made elsewhere; shows changes still waiting to be saved."""

    live: LiveSession
    work: WorkQueue
    """The screen's queue: the polls go through it, and it knows what waits to be saved."""
    roster_panel: RosterPanel
    on_change: Callable[[], None]
    """Reloads and redraws the screen after a change made elsewhere."""
    _polling: bool = field(default=False, init=False)
    """A read of the change marker is under way."""

    def poll(self) -> None:
        """Read the change marker off the event loop (one read at a time, none while changes
        wait: the screen reloads after them anyway); on a change, reload and redraw."""
        if self._polling or self.work.waiting() is not None or not self.live.live:
            return
        self._polling = True

        def after(changed: bool | None) -> None:
            self._polling = False
            if changed:
                self.on_change()

        self.work.submit(self.live.poll, after, change=False)

    def show_pending(self) -> None:
        """Say on the roster how many changes wait to be saved (once they took `SLOW`)."""
        waiting = self.work.waiting()
        slow = waiting is not None and time.monotonic() - waiting.since >= SLOW
        text = pending_text(waiting.count, waiting.reason is not None) if waiting and slow else ""
        self.roster_panel.show_pending(text)
