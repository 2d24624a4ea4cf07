"""The sessions a member was due at, and their service minutes by day and ISO week.

Every report is built on `due_sessions`: one row per (member, ended session they were due at). A
member is *due* at a session when the session has ended and its `local_date` (the session's date in
the group's time zone) lies between their membership's `joined` and `left` dates, inclusive. No
attendance row for a due session counts as absent. *Attended* means present, late or left early;
service minutes are the stored `Attendance.minutes` (presence within the session's start–end, less
breaks) of attended rows. The queries use portable SQL only (a CTE, `coalesce`, `case`), so they
run the same on SQLite and PostgreSQL; Python only buckets the small per-member, per-day rows into
ISO weeks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.store.conditions import in_dates
from facilitator.store.models import Attendance, GroupSession, Membership, SessionState, Status

ATTENDED: tuple[str, ...] = tuple(s.value for s in Status if s.attended)
"""Statuses that count as attended (present, late, left early)."""

TOLERANCE_MINUTES = 1e-6
"""Sums of 2-decimal minutes are floats: a day of exactly 180.00 minutes is not below 3 hours."""


def due_sessions(
    group_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    participant_id: int | None = None,
) -> sa.CTE:
    """One row per (member, ended session they were due at): status (absent if no row), minutes.

    `group_id` None: every group's sessions (the program report's people across groups).
    """
    status = sa.func.coalesce(Attendance.status, Status.ABSENT.value)
    minutes = sa.case((status.in_(ATTENDED), sa.func.coalesce(Attendance.minutes, 0.0)), else_=0.0)
    query = (
        select(
            col(Membership.participant_id).label("participant_id"),
            col(GroupSession.group_id).label("group_id"),
            col(GroupSession.id).label("session_id"),
            col(GroupSession.local_date).label("local_date"),
            col(GroupSession.started_at).label("started_at"),
            col(GroupSession.topic_id).label("topic_id"),
            col(GroupSession.topic_title).label("topic_title"),
            status.label("status"),
            minutes.label("minutes"),
        )
        .select_from(Membership)
        .join(
            GroupSession,
            sa.and_(
                GroupSession.group_id == Membership.group_id,
                GroupSession.local_date >= Membership.joined,
                sa.or_(
                    col(Membership.left).is_(None),
                    col(GroupSession.local_date) <= col(Membership.left),
                ),
            ),
        )
        .outerjoin(
            Attendance,
            sa.and_(
                Attendance.session_id == GroupSession.id,
                Attendance.participant_id == Membership.participant_id,
            ),
        )
        .where(GroupSession.state == SessionState.ENDED.value)
    )
    if group_id is not None:
        query = query.where(Membership.group_id == group_id)
    query = query.where(*in_dates(GroupSession.local_date, date_from, date_to))
    if participant_id is not None:
        query = query.where(Membership.participant_id == participant_id)
    return query.cte("due")


def member_between(date_from: dt.date, date_to: dt.date) -> sa.ColumnElement[bool]:
    """The condition that a membership overlaps the inclusive range `date_from`–`date_to`."""
    return sa.and_(
        Membership.joined <= date_to,
        sa.or_(col(Membership.left).is_(None), col(Membership.left) >= date_from),
    )


class Day(NamedTuple):
    """A member's service minutes on one local day, and whether they attended any session."""

    minutes: float
    attended: bool


def daily(
    db: Session,
    group_id: int,
    date_from: dt.date | None,
    date_to: dt.date | None,
    participant_id: int | None = None,
) -> dict[int, dict[dt.date, Day]]:
    """Per member, per local day with a due session: service minutes and whether attended."""
    due = due_sessions(group_id, date_from, date_to, participant_id)
    query = select(
        due.c.participant_id,
        due.c.local_date,
        sa.func.sum(due.c.minutes).label("minutes"),
        sa.func.max(sa.case((due.c.status.in_(ATTENDED), 1), else_=0)).label("attended"),
    ).group_by(due.c.participant_id, due.c.local_date)
    result: dict[int, dict[dt.date, Day]] = defaultdict(dict)
    for row in db.exec(query).all():
        result[int(row.participant_id)][as_date(row.local_date)] = Day(
            float(row.minutes or 0.0), bool(row.attended)
        )
    return result


def as_date(value: dt.date | dt.datetime | str) -> dt.date:
    """A date from a result row, whatever the driver hands back."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def monday(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    """The Mondays of the ISO weeks from `start`'s week to `end`'s week (empty if end < start)."""
    if end < start:
        return []
    mondays = []
    current = monday(start)
    while current <= end:
        mondays.append(current)
        current += dt.timedelta(days=7)
    return mondays


def week_minutes(days: dict[dt.date, Day]) -> dict[dt.date, float]:
    """Service minutes per ISO week (keyed by its Monday)."""
    per_week: dict[dt.date, float] = defaultdict(float)
    for day, value in days.items():
        per_week[monday(day)] += value.minutes
    return per_week


def below(minutes: float, hours: float) -> bool:
    """Whether `minutes` fall short of a minimum of `hours` (within float tolerance)."""
    return minutes < hours * 60.0 - TOLERANCE_MINUTES
