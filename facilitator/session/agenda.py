"""The agenda clock: countdowns, pauses, extensions, breaks and schedule — pure and clock-injected.

Works on `AgendaRun` and `Break` records (plain attribute holders here; the live-session service
persists them). Every figure is computed from timestamps and a given `now`, never from ticks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from facilitator.store.models import AgendaRun, Break

DEFAULT_BREAK_MINUTES = 10
EXTEND_MINUTES = 5
WARNING_SECONDS = 120


def _seconds(delta: dt.timedelta) -> float:
    return delta.total_seconds()


def budget_seconds(item: AgendaRun) -> float:
    """The item's planned time plus any extensions."""
    return (item.planned_minutes + item.extra_minutes) * 60.0


def elapsed_seconds(item: AgendaRun, now: dt.datetime) -> float:
    """Running time of the item: wall time since its start, less its pauses."""
    if item.started_at is None:
        return 0.0
    end = item.ended_at or now
    if item.paused_at is not None and item.ended_at is None:
        end = min(end, item.paused_at)
    return max(0.0, _seconds(end - item.started_at) - item.paused_seconds)


def remaining_seconds(item: AgendaRun, now: dt.datetime) -> float:
    """Time left on the item; negative once it runs over."""
    return budget_seconds(item) - elapsed_seconds(item, now)


def break_remaining_seconds(brk: Break, now: dt.datetime) -> float:
    """Time left on a break; negative once it runs over."""
    end = brk.ended_at or now
    return brk.planned_minutes * 60.0 - _seconds(end - brk.started_at)


def resumes_at(brk: Break) -> dt.datetime:
    """When the group is due back from the break."""
    return brk.started_at + dt.timedelta(minutes=brk.planned_minutes)


@dataclass(frozen=True)
class Phase:
    """How an item's countdown should look: normal, warning (last 2 minutes) or over."""

    name: str

    @staticmethod
    def of(remaining: float) -> Phase:
        """The phase for a remaining time."""
        if remaining < 0:
            return OVER
        if remaining <= WARNING_SECONDS:
            return WARNING
        return NORMAL


NORMAL, WARNING, OVER = Phase("normal"), Phase("warning"), Phase("over")


class Agenda:
    """A session's agenda items and breaks, with every operation the facilitator can make."""

    def __init__(
        self, items: Sequence[AgendaRun], breaks: Sequence[Break], started_at: dt.datetime
    ) -> None:
        self.items = sorted(items, key=lambda i: i.position)
        self.breaks = list(breaks)
        self.started_at = started_at

    # -- where we are -------------------------------------------------------------------------

    @property
    def current(self) -> AgendaRun | None:
        """The item now running (started, not ended), if any."""
        for item in self.items:
            if item.started_at is not None and item.ended_at is None:
                return item
        return None

    @property
    def current_index(self) -> int | None:
        """Index of the current item."""
        item = self.current
        return None if item is None else self.items.index(item)

    @property
    def upcoming(self) -> list[AgendaRun]:
        """Items not yet started."""
        return [i for i in self.items if i.started_at is None]

    @property
    def finished(self) -> bool:
        """Every item has been run or skipped."""
        return all(i.ended_at is not None for i in self.items)

    @property
    def waiting_break(self) -> AgendaRun | None:
        """The current item, when it is a break item reached with `n` whose break has not
        started yet (`b` starts it)."""
        item = self.current
        if item is None or item.kind != "break" or self.active_break is not None:
            return None
        if any(b.agenda_position == item.position for b in self.breaks):
            return None
        return item

    @property
    def active_break(self) -> Break | None:
        """The break in progress, if any."""
        for brk in self.breaks:
            if brk.ended_at is None:
                return brk
        return None

    # -- operations (mutate the records; the caller persists them) ------------------------------

    def start(self, now: dt.datetime) -> AgendaRun | None:
        """Start the first item if nothing has started yet."""
        if self.current is None and self.upcoming and not any(i.ended_at for i in self.items):
            return self._start_item(self.upcoming[0], now)
        return self.current

    def next(self, now: dt.datetime) -> AgendaRun | None:
        """Finish the current item and start the next one (a break item waits for `b`)."""
        self._stop(now)
        upcoming = self.upcoming
        if not upcoming:
            return None
        return self._start_item(upcoming[0], now)

    def toggle_pause(self, now: dt.datetime) -> bool | None:
        """Pause or resume the current item; returns True if now paused, None if no item."""
        item = self.current
        if item is None or self.waiting_break is not None:
            return None
        if item.paused_at is None:
            item.paused_at = now
            return True
        item.paused_seconds += max(0.0, _seconds(now - item.paused_at))
        item.paused_at = None
        return False

    def extend(self, minutes: int = EXTEND_MINUTES) -> AgendaRun | None:
        """Add minutes to the current item."""
        item = self.current
        if item is not None:
            item.extra_minutes += minutes
        return item

    def start_break(self, now: dt.datetime, minutes: int | None = None) -> Break:
        """Start a break: the current item's minutes if it is a break item, else 10 (or `minutes`).

        A break in the middle of another item pauses that item until the break ends.
        """
        existing = self.active_break
        if existing is not None:
            return existing
        item = self.current
        break_item = item if item is not None and item.kind == "break" else None
        if minutes is None:
            minutes = (
                break_item.planned_minutes + break_item.extra_minutes
                if break_item is not None
                else DEFAULT_BREAK_MINUTES
            )
        brk = Break(
            session_id=item.session_id if item else "",
            planned_minutes=minutes,
            started_at=now,
            agenda_position=break_item.position if break_item is not None else None,
        )
        if item is not None and break_item is None and item.paused_at is None:
            item.paused_at = now
            brk.pauses_item = True
        if break_item is not None and break_item.paused_at is not None:
            self._resume(break_item, now)  # the break item's time runs with its break
        self.breaks.append(brk)
        return brk

    def end_break(self, now: dt.datetime) -> AgendaRun | None:
        """End the break; a break item is finished and the next item starts."""
        brk = self.active_break
        if brk is None:
            return self.current
        self._end_break(brk, now)
        item = self.current
        if item is not None and item.kind == "break":
            return self.next(now)
        return item

    def toggle_break(self, now: dt.datetime) -> bool:
        """Start a break, or end the running one early; True when a break is now running."""
        if self.active_break is not None:
            self.end_break(now)
        else:
            self.start_break(now)
        return self.active_break is not None

    def finish(self, now: dt.datetime) -> None:
        """End everything for the end of the session: the running item and any break."""
        self._stop(now)
        for later in self.upcoming:
            later.skipped = True

    # -- schedule --------------------------------------------------------------------------------

    @property
    def planned_minutes(self) -> int:
        """The whole agenda's planned length."""
        return sum(i.planned_minutes for i in self.items)

    @property
    def planned_end(self) -> dt.datetime:
        """When the session would end if every item ran to plan from the start."""
        return self.started_at + dt.timedelta(minutes=self.planned_minutes)

    def projected_end(self, now: dt.datetime) -> dt.datetime:
        """When the session will end given where it is now and the items still to come."""
        seconds = sum(i.planned_minutes * 60.0 for i in self.upcoming)
        item = self.current
        brk = self.active_break
        if brk is not None:
            seconds += max(0.0, break_remaining_seconds(brk, now))
        if item is not None and not (brk is not None and item.kind == "break"):
            seconds += max(0.0, remaining_seconds(item, now))
        return now + dt.timedelta(seconds=seconds)

    def behind_seconds(self, now: dt.datetime) -> float:
        """How far behind schedule (positive) or ahead (negative) the group is."""
        return _seconds(self.projected_end(now) - self.planned_end)

    # -- internals -------------------------------------------------------------------------------

    def _start_item(self, item: AgendaRun, now: dt.datetime) -> AgendaRun:
        item.started_at = now
        # A break item waits, its time stopped, until the facilitator starts the break.
        item.paused_at = now if item.kind == "break" else None
        return item

    @staticmethod
    def _resume(item: AgendaRun, now: dt.datetime) -> None:
        item.paused_seconds += max(0.0, _seconds(now - item.paused_at)) if item.paused_at else 0.0
        item.paused_at = None

    def _stop(self, now: dt.datetime) -> None:
        """End the running item and the running break, if any."""
        item = self.current
        if item is not None:
            self._finish(item, now)
        brk = self.active_break
        if brk is not None:
            self._end_break(brk, now)

    def _finish(self, item: AgendaRun, now: dt.datetime) -> None:
        self._resume(item, now)
        item.ended_at = now

    def _end_break(self, brk: Break, now: dt.datetime) -> None:
        brk.ended_at = now
        item = self.current
        if brk.pauses_item and item is not None:
            self._resume(item, now)
