"""A screen's database work, off the event loop and in the order it was asked for.

`submit` queues a call into the core (a live-session action, a signature, a reload) and starts a
thread worker. Every worker runs all the jobs queued so far, one at a time under one lock, so the
jobs apply in the order they were submitted whichever thread runs them, and a job whose worker was
cancelled before it started is run by the next one (or by `drain`). Each job's result comes back to
the screen as a `WorkQueue.Done` message, with the `UserError` that refused it, if any; the
screen's handler shows the error and calls `settle()`, which runs the job's follow-up in the
event loop.

A busy database (locked by another program, a server gone for a moment) never loses a job: the
job is tried again every `RETRY_EVERY` seconds, in its place, until it is saved; meanwhile
`waiting()` says how many changes are not yet saved and why, for the screen to show.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from inspect import isawaitable
from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker

from facilitator.errors import UserError

if TYPE_CHECKING:
    from facilitator.store.database import Database

T = TypeVar("T")


RETRY_EVERY = 1.0
"""Seconds between tries of a job the database could not take (busy, locked, unreachable)."""


def _nothing() -> None:
    """The follow-up of a job that needs none."""


def is_busy(exc: BaseException) -> bool:
    """The database could not take the change for now (locked, busy, connection lost): an
    `OperationalError`, raw or wrapped in the `UserError` that explains it."""
    from sqlalchemy.exc import OperationalError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OperationalError):
            return True
        seen = seen.__cause__
    return False


@dataclass(frozen=True)
class Waiting:
    """Changes not yet saved: how many, since when (monotonic), and the last reason."""

    count: int
    since: float
    reason: str | None


class WorkQueue:
    """One screen's jobs, run in a thread worker one at a time, oldest first."""

    @dataclass
    class Done(Message, bubble=False):
        """A job has finished (posted from the worker thread to the screen that queued it)."""

        follow_up: Callable[[], object]
        """Runs the job's `then` with its result (None if refused); may return a coroutine."""

        error: str | None = None
        """Why the core refused the job (a `UserError`), or None."""

        async def settle(self) -> None:
            """Run the follow-up, awaiting it if it is a coroutine."""
            outcome = self.follow_up()
            if isawaitable(outcome):
                await outcome

    def __init__(self, owner: DOMNode, name: str) -> None:
        self._owner = owner
        self._name = name
        self._jobs: deque[Callable[[], None]] = deque()
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._worker: Worker[None] | None = None
        self._active = False  # a worker is draining (one at a time: each holds a pool thread)
        self._abandoned = False
        self._unsaved = 0
        self._since: float | None = None
        self._reason: str | None = None

    def waiting(self) -> Waiting | None:
        """The changes not yet saved, or None when everything asked is saved."""
        since = self._since
        if not self._unsaved or since is None:
            return None
        return Waiting(self._unsaved, since, self._reason)

    def submit(
        self,
        work: Callable[[], T],
        then: Callable[[T | None], object] | None = None,
        *,
        change: bool = True,
    ) -> None:
        """Queue `work()`; `then(result)` runs in the event loop after it, `then(None)` if the
        core refused it with a `UserError`. A `change` is tried again until the database takes
        it; a read (`change=False`) is tried once."""

        def job() -> None:
            error: str | None = None
            result: T | None = None
            self._since = time.monotonic()
            try:
                while True:
                    try:
                        result = work()
                        break
                    except Exception as exc:
                        if change and is_busy(exc) and self._abandoned:
                            return
                        if change and is_busy(exc):
                            self._reason = str(exc) if isinstance(exc, UserError) else None
                        elif isinstance(exc, UserError):
                            error = str(exc)
                            break
                        else:
                            raise
                    time.sleep(RETRY_EVERY)
            finally:
                with self._count_lock:
                    self._unsaved = max(0, self._unsaved - change)
                self._since, self._reason = None, None
            follow_up = _nothing if then is None else partial(then, result)
            self._owner.post_message(self.Done(follow_up, error))

        with self._count_lock:
            if self._abandoned:
                return
            self._unsaved += change
            self._jobs.append(job)
            stalled = self._worker is not None and self._worker.is_cancelled
            start = not self._active or stalled
            self._active = True
        if start:
            self._worker = self._owner.run_worker(
                self.drain, name=self._name, group=self._name, thread=True
            )

    def drain(self) -> None:
        """Run every queued job, oldest first: in the one worker thread, or at the end by the
        caller (after waiting for a worker that is still running one)."""
        if self._abandoned:
            return  # quitting without them: do not wait for a job still retrying
        with self._lock:
            while True:
                with self._count_lock:
                    if not self._jobs or self._abandoned:
                        self._active = False
                        return
                    job = self._jobs.popleft()
                job()

    def abandon(self) -> None:
        """Give up every change not yet saved (quitting while the database stays busy): the
        queue is emptied, a job retrying stops at its next try, and nothing more is queued."""
        with self._count_lock:
            self._abandoned = True
            self._jobs.clear()
            self._unsaved = 0


class WorkScreen(Screen[None]):
    """A screen whose database work goes through its `work` queue: a job the core refused is
    shown as an error, then every job's follow-up runs in the event loop."""

    def __init__(self, database: Database, queue_name: str = "") -> None:
        super().__init__()
        self.database = database
        """Where the screen's records are."""
        self.work = WorkQueue(self, queue_name or f"{type(self).__name__}-work")
        """This screen's reads and changes, in order, off the event loop."""

    @on(WorkQueue.Done)
    async def _work_done(self, event: WorkQueue.Done) -> None:
        if event.error is not None:
            self.notify(event.error, severity="error", markup=False)
        await event.settle()

    def load(
        self,
        widget: Widget,
        read: Callable[[], T],
        show: Callable[[T], object],
        focus: bool | None = None,
    ) -> None:
        """`read()` off the event loop while `widget` shows it is loading, then `show(result)`
        (a refusal is shown instead). The focus comes back to `widget` (which loses it while it
        loads) if `focus`, by default if it was on `widget` or nowhere."""
        if focus is None:
            focus = self.focused in (None, widget)
        widget.loading = True

        def loaded(result: T | None) -> object:
            widget.loading = False
            if focus:
                widget.focus(scroll_visible=False)
            return None if result is None else show(result)

        self.work.submit(read, loaded, change=False)
