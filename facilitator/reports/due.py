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
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.store.conditions import in_dates
from facilitator.store.models import Attendance, GroupSession, Membership, SessionState, Status

ATTENDED: tuple[str, ...] = tuple(s.value for s in Status if s.attended)
"""Statuses that count as attended (present, late, left early)."""

TOLERANCE_MINUTES = 1e-6
"""Sums of 2-decimal minutes are floats: a day of exactly 180.00 minutes is not below 3 hours."""


def _in_membership(day: Any) -> sa.ColumnElement[bool]:
    """The condition that `day` lies in the membership period (`joined`–`left`, inclusive)."""
    return sa.and_(
        day >= Membership.joined,
        sa.or_(col(Membership.left).is_(None), day <= col(Membership.left)),
    )


def _within_period(day: Any, date_from: dt.date | None, date_to: dt.date | None) -> list[Any]:
    """`_in_membership` and the range as one lower and one upper bound on `day` (an index range
    per period, not the whole range filtered)."""
    lower: Any = Membership.joined
    if date_from is not None:
        first = sa.literal(date_from, sa.Date)
        lower = sa.case((Membership.joined > first, Membership.joined), else_=first)
    if date_to is None:
        return [day >= lower, sa.or_(col(Membership.left).is_(None), day <= col(Membership.left))]
    last = sa.literal(date_to, sa.Date)
    upper = sa.case(
        (sa.or_(col(Membership.left).is_(None), col(Membership.left) > last), last),
        else_=col(Membership.left),
    )
    return [day >= lower, day <= upper]


def _session_columns(detail: bool) -> list[Any]:
    """The session's columns of a due row: group, date and start, and with `detail` its id and
    topic."""
    if not detail:
        return [
            col(GroupSession.group_id).label("group_id"),
            col(GroupSession.local_date).label("local_date"),
            col(GroupSession.started_at).label("started_at"),
        ]
    return [
        col(GroupSession.group_id).label("group_id"),
        col(GroupSession.id).label("session_id"),
        col(GroupSession.local_date).label("local_date"),
        col(GroupSession.started_at).label("started_at"),
        col(GroupSession.topic_id).label("topic_id"),
        col(GroupSession.topic_title).label("topic_title"),
    ]


def _ended(
    query: Any, group_id: int | None, date_from: dt.date | None, date_to: dt.date | None
) -> Any:
    """`query` narrowed to the ended sessions of `group_id` (None: any group) in the range."""
    query = query.where(GroupSession.state == SessionState.ENDED.value)
    if group_id is not None:
        query = query.where(GroupSession.group_id == group_id)
    return query.where(*in_dates(GroupSession.local_date, date_from, date_to))


def due_sessions(
    group_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    participant_id: int | None = None,
    *,
    detail: bool = True,
) -> sa.CTE:
    """One row per (member, ended session they were due at): status (absent if no row), minutes.

    `group_id` None: every group's sessions (the program report's people across groups).
    `detail` False: without `session_id`, `topic_id` and `topic_title` (narrower rows for the
    sums, which read only the person, group, date, start, status and minutes).

    Read from the attendance rows first: the group's ended sessions, their rows, each row's
    membership periods (by person, then group: `group_id + 0` keeps SQLite from walking the
    group's whole membership list for every row). Due sessions without a row (a member added
    to past dates) are added by the costlier membership × session join, which the database
    skips unless the due count (one index count per period) exceeds the rows found.
    """
    attended = col(Attendance.status).in_(ATTENDED)
    found = _ended(
        select(
            col(Attendance.participant_id).label("participant_id"),
            *_session_columns(detail),
            col(Attendance.status).label("status"),
            sa.case((attended, Attendance.minutes), else_=0.0).label("minutes"),
        )
        .select_from(GroupSession)
        .join(Attendance, col(Attendance.session_id) == col(GroupSession.id))
        .join(
            Membership,
            sa.and_(
                Membership.participant_id == Attendance.participant_id,
                col(Membership.group_id) + 0 == col(GroupSession.group_id),
                _in_membership(GroupSession.local_date),
            ),
        ),
        group_id,
        date_from,
        date_to,
    )
    if participant_id is not None:
        found = found.where(Attendance.participant_id == participant_id)
    rows = found.cte("due_rows")
    held = sa.select(sa.func.count()).where(
        GroupSession.state == SessionState.ENDED.value,
        GroupSession.group_id == Membership.group_id,
        *_within_period(GroupSession.local_date, date_from, date_to),
    )
    periods = (
        select(sa.func.coalesce(sa.func.sum(held.scalar_subquery()), 0))
        .select_from(Membership)
        .correlate(None)
    )
    if group_id is not None:
        periods = periods.where(Membership.group_id == group_id)
    if participant_id is not None:
        periods = periods.where(Membership.participant_id == participant_id)
    missing = _ended(
        select(
            col(Membership.participant_id),
            *_session_columns(detail),
            sa.literal(Status.ABSENT.value),
            sa.literal(0.0),
        )
        .select_from(Membership)
        .join(
            GroupSession,
            sa.and_(
                GroupSession.group_id == Membership.group_id,
                _in_membership(GroupSession.local_date),
            ),
        )
        .outerjoin(
            Attendance,
            sa.and_(
                Attendance.session_id == GroupSession.id,
                Attendance.participant_id == Membership.participant_id,
            ),
        )
        .where(
            col(Attendance.id).is_(None),
            periods.scalar_subquery() > select(sa.func.count()).select_from(rows).scalar_subquery(),
        ),
        group_id,
        date_from,
        date_to,
    )
    if group_id is not None:
        missing = missing.where(Membership.group_id == group_id)
    if participant_id is not None:
        missing = missing.where(Membership.participant_id == participant_id)
    return sa.union_all(select(rows), missing).cte("due")


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
