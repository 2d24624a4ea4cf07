"""One member's record in a group: weekly service hours, session history and topics covered."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.reports.attendance import default_range
from facilitator.reports.due import as_date, daily, due_sessions, week_minutes, weeks
from facilitator.store.models import (
    Group,
    Membership,
    Status,
)

if TYPE_CHECKING:
    pass


class WeekHours(NamedTuple):
    """A member's service hours in one ISO week."""

    iso_year: int
    iso_week: int
    hours: float


class HistoryRow(NamedTuple):
    """A member's record in one session they were due at."""

    local_date: dt.date
    topic_id: str | None
    topic_title: str | None
    status: Status
    minutes: float


def _membership(db: Session, group: Group, participant_id: int) -> Membership:
    membership = db.exec(
        select(Membership).where(
            Membership.group_id == group.id, Membership.participant_id == participant_id
        )
    ).first()
    if membership is None:
        raise UserError(f"participant {participant_id} is not a member of {group.name}")
    return membership


def weekly_hours(
    db: Session,
    group: Group,
    participant_id: int,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[WeekHours]:
    """A member's service hours for every ISO week of their membership within the range.

    Weeks without attendance are listed with 0 hours. Defaults as in `attendance_report`.
    """
    assert group.id is not None
    membership = _membership(db, group, participant_id)
    start, end = default_range(db, group, date_from, date_to)
    days = daily(db, group.id, start, end, participant_id).get(participant_id, {})
    per_week = week_minutes(days)
    first = max(start, membership.joined)
    last = min(end, membership.left or end)
    result = []
    for monday in weeks(first, last):
        year, week, _ = monday.isocalendar()
        result.append(WeekHours(year, week, round(per_week.get(monday, 0.0) / 60.0, 2)))
    return result


def member_history(db: Session, group: Group, participant_id: int) -> list[HistoryRow]:
    """Every ended session the member was due at, oldest first, with their status and minutes."""
    assert group.id is not None
    _membership(db, group, participant_id)
    due = due_sessions(group.id, None, None, participant_id)
    rows = db.exec(
        select(
            due.c.local_date, due.c.topic_id, due.c.topic_title, due.c.status, due.c.minutes
        ).order_by(due.c.started_at)
    ).all()
    return [
        HistoryRow(
            as_date(r.local_date), r.topic_id, r.topic_title, Status(r.status), float(r.minutes)
        )
        for r in rows
    ]


class ProgramWeek(NamedTuple):
    """A person's service hours in one ISO week over all their groups, with each group's part."""

    week: WeekHours
    parts: dict[str, float]
    """Hours by group name (only the groups the person was a member of that week)."""


def program_weeks(
    db: Session, participant_id: int, date_to: dt.date | None = None
) -> list[ProgramWeek]:
    """Every ISO week of the person's memberships in any group up to `date_to`, oldest first:
    the hours summed over their groups, and each group's part."""
    groups = db.exec(
        select(Group)
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(Membership.participant_id == participant_id)
        .distinct()
        .order_by(col(Group.name))
    ).all()
    totals: dict[tuple[int, int], float] = {}
    parts: dict[tuple[int, int], dict[str, float]] = {}
    for group in groups:
        for week in weekly_hours(db, group, participant_id, None, date_to):
            key = (week.iso_year, week.iso_week)
            totals[key] = totals.get(key, 0.0) + week.hours
            parts.setdefault(key, {})[group.name] = week.hours
    return [
        ProgramWeek(WeekHours(year, week, round(totals[(year, week)], 2)), parts[(year, week)])
        for year, week in sorted(totals)
    ]


def group_totals(weeks: list[ProgramWeek]) -> dict[str, float]:
    """Each group's hours over the weeks: its part of the person's program."""
    totals: dict[str, float] = {}
    for week in weeks:
        for name, hours in week.parts.items():
            totals[name] = totals.get(name, 0.0) + hours
    return {name: round(hours, 2) for name, hours in totals.items()}
