"""Service minutes by person and ISO week, summed in the database: the figures both reports
count against the weekly and daily minimums, without handing every day to Python.

Days are summed over every session a person was due at that day (in any group, or one), then
weeks; a week is a whole number of weeks since `EPOCH_MONDAY`, by plain date arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from facilitator.reports.due import ATTENDED, TOLERANCE_MINUTES, due_sessions
from facilitator.store.models import Status

STATUSES: tuple[str, ...] = (
    Status.PRESENT.value,
    Status.LATE.value,
    Status.EXCUSED.value,
    Status.ABSENT.value,
    Status.LEFT_EARLY.value,
)
"""The statuses counted, each in the figure of its name (`present` … `left_early`)."""

EPOCH_MONDAY = dt.date(1, 1, 1)
"""Week numbers count from this Monday (the first day of the calendar, so a number is never
negative and whole-number division is floor division): week n starts `n` weeks after it."""


class _WeekNumber(FunctionElement[int]):
    """A date column's ISO week as a whole number of weeks since `EPOCH_MONDAY` (plain
    arithmetic in the database: cheaper than building a date for every row)."""

    type = sa.Integer()
    inherit_cache = True
    name = "week_number"


@compiles(_WeekNumber, "sqlite")
def _week_number_sqlite(element: _WeekNumber, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST((julianday({day}) - julianday('{EPOCH_MONDAY}')) / 7 AS INTEGER)"


@compiles(_WeekNumber)
def _week_number_other(element: _WeekNumber, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(next(iter(element.clauses)), **kw)
    return f"(({day} - DATE '{EPOCH_MONDAY}') / 7)"


class PersonWeek(NamedTuple):
    """One person's ISO week: service minutes, days attended, days attended below the minimum."""

    participant_id: int
    monday: dt.date
    minutes: float
    days_attended: int
    days_below: int


@dataclass
class MemberTotals:
    """One person's figures for the attendance report over the range: due sessions by status,
    service minutes, days attended below the daily minimum, the current absence streak, and
    service minutes by week.

    The streak is every absence after the person's last attended session in the range: excused
    sessions are neither absences nor attendance, so they neither extend nor break it.
    """

    counts: dict[str, int]
    """`sessions` and one count per status in `STATUSES`, by name."""
    minutes: float = 0.0
    days_below: int = 0
    streak: int = 0
    weeks: dict[dt.date, float] = field(default_factory=dict)
    """Service minutes by the Monday of each week the person was due at a session in."""

    @classmethod
    def none(cls) -> MemberTotals:
        """A member due at no session in the range."""
        return cls(dict.fromkeys(COUNT_NAMES, 0))


COUNT_NAMES: tuple[str, ...] = ("sessions", *STATUSES)
"""The names of `MemberTotals.counts`, in order."""


def _count_where(condition: Any) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END)."""
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _week_rows(due: sa.CTE, daily_hours: float) -> Any:
    """(pid, week number, minutes, days attended, days below) per person and week, from the due
    rows summed by day, then by week."""
    days = (
        select(
            due.c.participant_id.label("pid"),
            due.c.local_date.label("day"),
            sa.func.sum(due.c.minutes).label("minutes"),
            sa.func.max(sa.case((due.c.status.in_(ATTENDED), 1), else_=0)).label("attended"),
        )
        .group_by(due.c.participant_id, due.c.local_date)
        .subquery("days")
    )
    limit = daily_hours * 60.0 - TOLERANCE_MINUTES
    short = sa.and_(days.c.attended == 1, days.c.minutes < limit)
    week = _WeekNumber(days.c.day)
    return select(
        days.c.pid,
        week.label("week"),
        sa.func.sum(days.c.minutes).label("minutes"),
        sa.func.sum(days.c.attended).label("attended"),
        sa.func.sum(sa.case((short, 1), else_=0)).label("below"),
    ).group_by(days.c.pid, week)


def _member_rows(due: sa.CTE) -> Any:
    """(pid, NULL, service minutes, NULL, sessions, one count per status, streak) per person (the
    NULLs line up with `_week_rows`' week and days below): the streak counts the absences after
    the person's last attended start."""
    attended = due.c.status.in_(ATTENDED)
    last = (
        select(
            due.c.participant_id,
            sa.func.max(sa.case((attended, due.c.started_at))).label("last_attended"),
        )
        .group_by(due.c.participant_id)
        .subquery("last")
    )
    after = sa.or_(last.c.last_attended.is_(None), due.c.started_at > last.c.last_attended)
    return (
        select(
            due.c.participant_id,
            sa.null(),
            sa.func.sum(due.c.minutes),
            sa.null(),
            sa.func.count(),
            *(_count_where(due.c.status == s) for s in STATUSES),
            _count_where(sa.and_(due.c.status == Status.ABSENT.value, after)),
        )
        .join_from(due, last, last.c.participant_id == due.c.participant_id)
        .group_by(due.c.participant_id)
    )


class _Mondays(dict[int, dt.date]):
    """Week numbers' Mondays, each built once."""

    def __missing__(self, number: int) -> dt.date:
        monday = self[number] = EPOCH_MONDAY + dt.timedelta(weeks=number)
        return monday


def person_weeks(
    db: Session,
    date_from: dt.date,
    date_to: dt.date,
    *,
    daily_hours: float,
    group_id: int | None = None,
    participant_id: int | None = None,
) -> Iterator[PersonWeek]:
    """Each ISO week a person was due at a session in (of `group_id`, or of every group), with
    the days below a daily minimum of `daily_hours`: one query, Core rows."""
    due = due_sessions(group_id, date_from, date_to, participant_id, detail=False)
    mondays = _Mondays()
    rows = db.connection().execute(_week_rows(due, daily_hours)).all()
    for pid, number, minutes, attended, below in rows:
        yield PersonWeek(
            pid, mondays[number], float(minutes or 0.0), int(attended or 0), int(below or 0)
        )


def member_totals(
    db: Session, group_id: int, date_from: dt.date, date_to: dt.date, *, daily_hours: float
) -> dict[int, MemberTotals]:
    """Every figure the attendance report sums, per member of one group, from one statement over
    the due sessions: a row per member (week NULL) with their counts, minutes and streak, and a
    row per member and week with its minutes and days below the daily minimum."""
    due = due_sessions(group_id, date_from, date_to, detail=False)
    weeks = _week_rows(due, daily_hours).subquery("weeks")
    by_week = select(
        weeks.c.pid,
        weeks.c.week,
        weeks.c.minutes,
        weeks.c.below,
        *[sa.null()] * (len(COUNT_NAMES) + 1),
    )
    mondays = _Mondays()
    result: dict[int, MemberTotals] = {}
    rows = db.connection().execute(sa.union_all(_member_rows(due), by_week)).all()
    for pid, number, minutes, below, *counts, streak in rows:
        person = result.get(pid)
        if person is None:
            person = result[pid] = MemberTotals.none()
        if number is None:
            person.counts = dict(zip(COUNT_NAMES, map(int, counts), strict=True))
            person.minutes = float(minutes or 0.0)
            person.streak = int(streak or 0)
        else:
            person.weeks[mondays[number]] = float(minutes or 0.0)
            person.days_below += int(below or 0)
    return result
