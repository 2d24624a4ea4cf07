"""Which days a group was due to meet, and which ISO weeks fairly count against a weekly minimum.

A week counts against the weekly minimum only when it is complete (its Sunday is before today, or
the user chose a range that ends in it) and the person had a session scheduled (a day of the
group's `--meets`, not cancelled, while a member) or held (a session they were due at) in it. So
the current unfinished week, a week the group did not meet, and a week of cancelled days are no
one's shortfall. A group's schedule counts from the day the group was made.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Protocol

from facilitator.common.timeutil import local
from facilitator.program.schedule import parse
from facilitator.reports.due import monday, weeks
from facilitator.store.models import Group


class Period(Protocol):
    """A membership period: its first and last day (None while a member)."""

    @property
    def joined(self) -> dt.date: ...

    @property
    def left(self) -> dt.date | None: ...


def scheduled_days(
    group: Group, date_from: dt.date, date_to: dt.date, cancelled: set[dt.date]
) -> set[dt.date]:
    """The local dates in the inclusive range on which `group` was scheduled to meet and did not
    cancel (none before the group was made)."""
    blocks = parse(group.meets) if group.meets else ()
    if not blocks:
        return set()
    weekdays = {d for b in blocks for d in b.days}
    start = max(date_from, local(group.created_at, group.timezone).date())
    days: set[dt.date] = set()
    current = start
    while current <= date_to:
        if current.weekday() in weekdays and current not in cancelled:
            days.add(current)
        current += dt.timedelta(days=1)
    return days


class ScheduledWeeks:
    """A group's scheduled days, sorted, with the Monday of each: the weeks within a period
    without walking its days."""

    def __init__(self, days: Iterable[dt.date]) -> None:
        self.days = sorted(days)
        self.mondays = [monday(d) for d in self.days]

    def weeks_within(self, period: Period) -> set[dt.date]:
        """The Mondays of the weeks with a scheduled day inside `period`."""
        lo = bisect_left(self.days, period.joined)
        hi = len(self.days) if period.left is None else bisect_right(self.days, period.left)
        return set(self.mondays[lo:hi])


def counted_weeks(
    periods: Iterable[Period],
    date_from: dt.date,
    date_to: dt.date,
    *,
    today: dt.date,
    to_chosen: bool,
    active_weeks: set[dt.date],
) -> list[dt.date]:
    """The Mondays of the weeks that count against a person's weekly minimum, oldest first.

    A week counts if the person had a session scheduled or held in it: `active_weeks` are the
    Mondays of those weeks. Weeks run from each period's joining week to its last day, within
    the range.
    """
    counted: set[dt.date] = set()
    for period in periods:
        last = min(date_to, period.left or date_to)
        for week in weeks(max(date_from, period.joined), last):
            sunday = week + dt.timedelta(days=6)
            complete = sunday < today or (to_chosen and week <= date_to <= sunday)
            if complete and week in active_weeks:
                counted.add(week)
    return sorted(counted)


def iso_week(week: dt.date) -> str:
    """`2026-W49` for the week starting on the Monday `week`."""
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"
