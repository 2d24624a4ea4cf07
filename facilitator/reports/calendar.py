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
from facilitator.reports.due import monday
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
    made = local(group.created_at, group.timezone).date().toordinal()
    first, last = max(date_from.toordinal(), made), date_to.toordinal()
    days: set[dt.date] = set()
    for weekday in weekdays:  # each weekday's dates, a week apart (day 1 was a Monday)
        for number in range(first + (weekday - (first - 1) % 7) % 7, last + 1, 7):
            day = dt.date.fromordinal(number)
            if day not in cancelled:
                days.add(day)
    return days


class ScheduledWeeks:
    """A group's scheduled days, sorted, with the Monday of each: the weeks within a period
    without walking its days."""

    def __init__(self, days: Iterable[dt.date]) -> None:
        self.days = sorted(days)
        self.mondays: list[dt.date] = []
        """The distinct Mondays of the days, oldest first."""
        self._week_of: list[int] = []
        """For each day, the index of its Monday in `mondays`."""
        number = -1
        for day in self.days:
            if (day.toordinal() - 1) // 7 != number:  # weeks since Monday 0001-01-01
                number = (day.toordinal() - 1) // 7
                self.mondays.append(dt.date.fromordinal(number * 7 + 1))
            self._week_of.append(len(self.mondays) - 1)

    def weeks_within(self, period: Period) -> set[dt.date]:
        """The Mondays of the weeks with a scheduled day inside `period`."""
        lo = bisect_left(self.days, period.joined)
        hi = len(self.days) if period.left is None else bisect_right(self.days, period.left)
        if lo >= hi:
            return set()
        return set(self.mondays[self._week_of[lo] : self._week_of[hi - 1] + 1])


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
    spans = []
    for period in periods:
        first, last = max(date_from, period.joined), min(date_to, period.left or date_to)
        if first <= last:
            spans.append((monday(first), last))
    ended_before = today - dt.timedelta(days=6)  # a week whose Monday is before it has ended
    chosen = monday(date_to) if to_chosen else None
    return sorted(
        {
            week
            for lo, hi in spans
            for week in active_weeks
            if lo <= week <= hi and (week < ended_before or week == chosen) and not week.weekday()
        }
    )


def iso_week(week: dt.date) -> str:
    """`2026-W49` for the week starting on the Monday `week`."""
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"
