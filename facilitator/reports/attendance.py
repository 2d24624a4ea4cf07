"""Attendance reports: per-member figures for a group over a date range (CONTRACT section 6).

Every figure comes from SQL aggregates (`sum`, `count`, `max`, `case`, `group_by`) over the
sessions a member was due at (see `reports.due`) and counts only due sessions within the report's
range, so the columns add up: `sessions == present + late + excused + absent + left_early`, and
`consecutive_absences <= absent`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.timeutil import machine_timezone, today_in
from facilitator.errors import UserError
from facilitator.reports.calendar import ScheduledWeeks, counted_weeks, scheduled_days
from facilitator.reports.due import (
    as_date,
    below,
    member_between,
)
from facilitator.reports.weeks import MemberTotals, member_totals
from facilitator.session.cancel import cancelled_days
from facilitator.store.models import Group, GroupSession, Membership, Participant


@dataclass(frozen=True)
class ParticipantAttendance:
    """One member's figures: the fields of CONTRACT section 6 in order, then the member's
    latest period (section 8)."""

    name: str
    external_id: str | None
    sessions: int
    present: int
    late: int
    excused: int
    absent: int
    left_early: int
    hours: float
    days_below_daily_minimum: int
    weeks_below_minimum: int
    consecutive_absences: int
    joined: dt.date
    left: dt.date | None = None
    """The last day of the latest period; None while a member."""
    reason: str | None = None
    """Why the latest period ended; None while a member."""


@dataclass(frozen=True)
class AttendanceReport:
    """A group's attendance over an inclusive date range, one entry per member (by name)."""

    group: str
    date_from: dt.date
    date_to: dt.date
    participants: list[ParticipantAttendance]
    participant_ids: list[int] = field(default_factory=list, repr=False, compare=False)
    """The members' ids, in the order of `participants` (for screens that open a member)."""

    def rows(self) -> Iterator[tuple[int, ParticipantAttendance]]:
        """(participant id, figures) pairs."""
        return zip(self.participant_ids, self.participants, strict=True)


def _memberships(
    db: Session, group_id: int, date_from: dt.date, date_to: dt.date
) -> list[tuple[Participant, list[Membership]]]:
    """Members with a period overlapping the range, by name, each with those periods (oldest
    first)."""
    rows = db.exec(
        select(Participant, Membership)
        .join(Membership, col(Membership.participant_id) == col(Participant.id))
        .where(Membership.group_id == group_id, member_between(date_from, date_to))
        .order_by(col(Participant.name), col(Participant.id), col(Membership.joined))
    ).all()
    grouped: dict[int | None, tuple[Participant, list[Membership]]] = {}
    for participant, membership in rows:
        grouped.setdefault(participant.id, (participant, []))[1].append(membership)
    return list(grouped.values())


def default_range(
    db: Session,
    group: Group | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """Fill in a missing end: from the group's (None: any group's) earliest session or join
    date, to today.

    Raises UserError when the range starts after it ends.
    """
    today = today or today_in(group.timezone if group else machine_timezone())
    end = date_to or today
    start = date_from
    if start is None:
        first_session = select(sa.func.min(GroupSession.local_date))
        first_join = select(sa.func.min(Membership.joined))
        if group is not None:
            first_session = first_session.where(GroupSession.group_id == group.id)
            first_join = first_join.where(Membership.group_id == group.id)
        known = [as_date(d) for d in (db.exec(first_session).one(), db.exec(first_join).one()) if d]
        start = min([*known, end])
    if start > end:
        until = f"--to {end.isoformat()}" if date_to is not None else f"today ({end.isoformat()})"
        raise UserError(f"--from {start.isoformat()} is after {until}")
    return start, end


def attendance_report(
    db: Session,
    group: Group,
    *,
    date_from: dt.date | None,
    date_to: dt.date | None,
    today: dt.date | None = None,
) -> AttendanceReport:
    """Per-member attendance figures for `group` between two dates, inclusive (local dates).

    `date_from` defaults to the group's earliest session or join date, `date_to` to today in
    the group's time zone. Weeks are counted from the member's joining week to their leaving
    week, the range's end or today's week, whichever comes first; a week's hours are those of its
    sessions inside the range.
    """
    assert group.id is not None
    today = today or today_in(group.timezone)
    start, end = default_range(db, group, date_from, date_to, today=today)
    totals = member_totals(db, group.id, start, end, daily_hours=group.daily_hours)
    cancelled = cancelled_days(db, [group.id], start, end)[group.id]
    scheduled = ScheduledWeeks(scheduled_days(group, start, end, cancelled))
    participants: list[ParticipantAttendance] = []
    ids: list[int] = []
    for participant, spans in _memberships(db, group.id, start, end):
        assert participant.id is not None
        total = totals.get(participant.id) or MemberTotals.none()
        held = total.weeks
        active = set(held)
        for span in spans:
            active |= scheduled.weeks_within(span)
        counted = counted_weeks(
            spans, start, end, today=today, to_chosen=date_to is not None, active_weeks=active
        )
        weeks_below = sum(
            1 for monday in counted if below(held.get(monday, 0.0), group.weekly_hours)
        )
        latest = spans[-1]
        participants.append(
            ParticipantAttendance(
                name=participant.name,
                external_id=participant.external_id,
                **total.counts,
                hours=round(total.minutes / 60.0, 2),
                days_below_daily_minimum=total.days_below,
                weeks_below_minimum=weeks_below,
                consecutive_absences=total.streak,
                joined=latest.joined,
                left=latest.left,
                reason=latest.reason.value if latest.reason else None,
            )
        )
        ids.append(participant.id)
    return AttendanceReport(
        group=group.name,
        date_from=start,
        date_to=end,
        participants=participants,
        participant_ids=ids,
    )
