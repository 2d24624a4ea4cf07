"""Service minutes by person and ISO week, summed in the database: the figures both reports
count against the weekly and daily minimums, without handing every day to Python.

Days are summed over every session a person was due at that day (in any group, or one), then
weeks; a week is a whole number of weeks since `EPOCH_MONDAY`, by plain date arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from facilitator.reports.due import ATTENDED, TOLERANCE_MINUTES, due_sessions

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
    due = due_sessions(group_id, date_from, date_to, participant_id)
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
    query = select(
        days.c.pid,
        week,
        sa.func.sum(days.c.minutes),
        sa.func.sum(days.c.attended),
        sa.func.sum(sa.case((short, 1), else_=0)),
    ).group_by(days.c.pid, week)
    mondays: dict[int, dt.date] = {}
    for pid, number, minutes, attended, below in db.connection().execute(query):
        monday = mondays.get(number)
        if monday is None:
            monday = mondays[number] = EPOCH_MONDAY + dt.timedelta(weeks=number)
        yield PersonWeek(pid, monday, float(minutes or 0.0), int(attended or 0), int(below or 0))
