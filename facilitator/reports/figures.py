"""Attendance reports: per-member figures for a group over a date range (CONTRACT section 6).

Plain Python, no Textual. Every figure comes from SQL aggregates (`sum`, `count`, `max`, `case`,
`group_by`) over the sessions a member was due at; Python only buckets the small per-member,
per-day aggregate rows into ISO weeks. The queries use portable SQL only (a CTE, `coalesce`,
`case`), so they run the same on SQLite and PostgreSQL.

Definitions used throughout:

- A member is *due* at a session when the session has ended and its `local_date` (the session's
  date in the group's time zone) lies between their membership's `joined` and `left` dates,
  inclusive. No attendance row for a due session counts as absent.
- *Attended* means present, late or left early. Service minutes are the stored
  `Attendance.minutes` (presence within the session's start–end, less breaks) of attended rows.
- Every figure counts only due sessions within the report's range, so the columns add up:
  `sessions == present + late + excused + absent + left_early`, and `consecutive_absences <=
  absent`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

import sqlalchemy as sa
from sqlmodel import Session, select

from facilitator.common.text import safe_cell
from facilitator.common.timeutil import today_in
from facilitator.errors import UserError
from facilitator.store.models import (
    Attendance,
    Group,
    GroupSession,
    Membership,
    Participant,
    SessionState,
    Status,
)

if TYPE_CHECKING:
    from facilitator.curriculum.files import Curriculum

ATTENDED: tuple[str, ...] = tuple(s.value for s in Status if s.attended)
"""Statuses that count as attended (present, late, left early)."""

TOLERANCE_MINUTES = 1e-6
"""Sums of 2-decimal minutes are floats: a day of exactly 180.00 minutes is not below 3 hours."""


@dataclass(frozen=True)
class ParticipantAttendance:
    """One member's figures: exactly the fields of CONTRACT section 6, in order."""

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


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ParticipantAttendance))
"""The participant field names: the JSON keys and the CSV header."""


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


@dataclass(frozen=True)
class OutreachItem:
    """A member the team should reach out to, and why."""

    participant_id: int
    name: str
    consecutive_absences: int
    last_week_hours: float | None
    reasons: tuple[str, ...]


# --- queries -----------------------------------------------------------------------------------


def _due(
    group_id: int,
    date_from: dt.date | None,
    date_to: dt.date | None,
    participant_id: int | None = None,
) -> sa.CTE:
    """One row per (member, ended session they were due at): status (absent if no row), minutes."""
    status = sa.func.coalesce(Attendance.status, Status.ABSENT.value)
    minutes = sa.case((status.in_(ATTENDED), sa.func.coalesce(Attendance.minutes, 0.0)), else_=0.0)
    query = (
        select(
            Membership.participant_id.label("participant_id"),  # type: ignore[attr-defined]
            GroupSession.id.label("session_id"),  # type: ignore[attr-defined]
            GroupSession.local_date.label("local_date"),  # type: ignore[attr-defined]
            GroupSession.started_at.label("started_at"),  # type: ignore[attr-defined]
            GroupSession.topic_id.label("topic_id"),  # type: ignore[union-attr]
            GroupSession.topic_title.label("topic_title"),  # type: ignore[union-attr]
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
                    Membership.left.is_(None),  # type: ignore[union-attr]
                    GroupSession.local_date <= Membership.left,
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
        .where(
            Membership.group_id == group_id,
            GroupSession.state == SessionState.ENDED.value,
        )
    )
    if date_from is not None:
        query = query.where(GroupSession.local_date >= date_from)
    if date_to is not None:
        query = query.where(GroupSession.local_date <= date_to)
    if participant_id is not None:
        query = query.where(Membership.participant_id == participant_id)
    return query.cte("due")


def _count_where(condition: Any) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END)."""
    return sa.func.sum(sa.case((condition, 1), else_=0))


@dataclass(frozen=True)
class _Totals:
    sessions: int
    present: int
    late: int
    excused: int
    absent: int
    left_early: int
    minutes: float
    streak: int


def _totals(db: Session, group_id: int, date_from: dt.date, date_to: dt.date) -> dict[int, _Totals]:
    """Per-member counts by status, service minutes and the current absence streak (one query).

    The streak is every absence after the member's last attended session in range: excused
    sessions are neither absences nor attendance, so they neither extend nor break it.
    """
    due = _due(group_id, date_from, date_to)
    last = (
        select(
            due.c.participant_id.label("participant_id"),
            sa.func.max(due.c.started_at).label("last_attended"),
        )
        .where(due.c.status.in_(ATTENDED))
        .group_by(due.c.participant_id)
        .subquery("last")
    )
    absent = due.c.status == Status.ABSENT.value
    query = (
        select(
            due.c.participant_id,
            sa.func.count().label("sessions"),
            _count_where(due.c.status == Status.PRESENT.value).label("present"),
            _count_where(due.c.status == Status.LATE.value).label("late"),
            _count_where(due.c.status == Status.EXCUSED.value).label("excused"),
            _count_where(absent).label("absent"),
            _count_where(due.c.status == Status.LEFT_EARLY.value).label("left_early"),
            sa.func.sum(due.c.minutes).label("minutes"),
            _count_where(
                sa.and_(
                    absent,
                    sa.or_(last.c.last_attended.is_(None), due.c.started_at > last.c.last_attended),
                )
            ).label("streak"),
        )
        .select_from(due.outerjoin(last, last.c.participant_id == due.c.participant_id))
        .group_by(due.c.participant_id)
    )
    result: dict[int, _Totals] = {}
    for row in db.exec(query).all():
        result[int(row.participant_id)] = _Totals(
            sessions=int(row.sessions),
            present=int(row.present or 0),
            late=int(row.late or 0),
            excused=int(row.excused or 0),
            absent=int(row.absent or 0),
            left_early=int(row.left_early or 0),
            minutes=float(row.minutes or 0.0),
            streak=int(row.streak or 0),
        )
    return result


class _Day(NamedTuple):
    minutes: float
    attended: bool


def _daily(
    db: Session,
    group_id: int,
    date_from: dt.date | None,
    date_to: dt.date | None,
    participant_id: int | None = None,
) -> dict[int, dict[dt.date, _Day]]:
    """Per member, per local day with a due session: service minutes and whether attended."""
    due = _due(group_id, date_from, date_to, participant_id)
    query = select(
        due.c.participant_id,
        due.c.local_date,
        sa.func.sum(due.c.minutes).label("minutes"),
        sa.func.max(sa.case((due.c.status.in_(ATTENDED), 1), else_=0)).label("attended"),
    ).group_by(due.c.participant_id, due.c.local_date)
    result: dict[int, dict[dt.date, _Day]] = defaultdict(dict)
    for row in db.exec(query).all():
        result[int(row.participant_id)][_as_date(row.local_date)] = _Day(
            float(row.minutes or 0.0), bool(row.attended)
        )
    return result


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    """A date from a result row, whatever the driver hands back."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    """The Mondays of the ISO weeks from `start`'s week to `end`'s week (empty if end < start)."""
    if end < start:
        return []
    mondays = []
    monday = _monday(start)
    while monday <= end:
        mondays.append(monday)
        monday += dt.timedelta(days=7)
    return mondays


def _week_minutes(days: dict[dt.date, _Day]) -> dict[dt.date, float]:
    """Service minutes per ISO week (keyed by its Monday)."""
    weeks: dict[dt.date, float] = defaultdict(float)
    for day, value in days.items():
        weeks[_monday(day)] += value.minutes
    return weeks


def _below(minutes: float, hours: float) -> bool:
    return minutes < hours * 60.0 - TOLERANCE_MINUTES


def _memberships(
    db: Session, group_id: int, date_from: dt.date, date_to: dt.date
) -> list[tuple[Participant, Membership]]:
    """Members whose membership overlaps the range, by name."""
    rows = db.exec(
        select(Participant, Membership)
        .join(Membership, Membership.participant_id == Participant.id)  # type: ignore[arg-type]
        .where(
            Membership.group_id == group_id,
            Membership.joined <= date_to,
            sa.or_(Membership.left.is_(None), Membership.left >= date_from),  # type: ignore[union-attr, operator]
        )
        .order_by(Participant.name, Participant.id)  # type: ignore[arg-type]
    ).all()
    return [(p, m) for p, m in rows]


def default_range(
    db: Session,
    group: Group,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """Fill in a missing end: from the group's earliest session or join date, to today.

    Raises UserError when the range starts after it ends.
    """
    today = today or today_in(group.timezone)
    end = date_to or today
    start = date_from
    if start is None:
        first_session = db.exec(
            select(sa.func.min(GroupSession.local_date)).where(GroupSession.group_id == group.id)
        ).one()
        first_join = db.exec(
            select(sa.func.min(Membership.joined)).where(Membership.group_id == group.id)
        ).one()
        known = [_as_date(d) for d in (first_session, first_join) if d is not None]
        start = min(known) if known else end
        start = min(start, end)
    if start > end:
        until = f"--to {end.isoformat()}" if date_to is not None else f"today ({end.isoformat()})"
        raise UserError(f"--from {start.isoformat()} is after {until}")
    return start, end


# --- the report --------------------------------------------------------------------------------


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
    totals = _totals(db, group.id, start, end)
    daily = _daily(db, group.id, start, end)
    participants: list[ParticipantAttendance] = []
    ids: list[int] = []
    for participant, membership in _memberships(db, group.id, start, end):
        assert participant.id is not None
        total = totals.get(participant.id, _Totals(0, 0, 0, 0, 0, 0, 0.0, 0))
        days = daily.get(participant.id, {})
        days_below = sum(
            1 for d in days.values() if d.attended and _below(d.minutes, group.daily_hours)
        )
        first = max(start, membership.joined)
        last = min(end, today, membership.left or end)
        per_week = _week_minutes(days)
        weeks_below = sum(
            1
            for monday in _weeks(first, last)
            if _below(per_week.get(monday, 0.0), group.weekly_hours)
        )
        participants.append(
            ParticipantAttendance(
                name=participant.name,
                external_id=participant.external_id,
                sessions=total.sessions,
                present=total.present,
                late=total.late,
                excused=total.excused,
                absent=total.absent,
                left_early=total.left_early,
                hours=round(total.minutes / 60.0, 2),
                days_below_daily_minimum=days_below,
                weeks_below_minimum=weeks_below,
                consecutive_absences=total.streak,
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


def participant_json(row: ParticipantAttendance) -> dict[str, Any]:
    """One participant as in CONTRACT section 6."""
    return {name: getattr(row, name) for name in FIELDS}


def to_json(report: AttendanceReport) -> dict[str, Any]:
    """The report as the JSON object of CONTRACT section 6."""
    return {
        "group": report.group,
        "from": report.date_from.isoformat(),
        "to": report.date_to.isoformat(),
        "participants": [participant_json(p) for p in report.participants],
    }


def csv_rows(report: AttendanceReport) -> list[list[str]]:
    """The header (the participant field names) and one row per member."""
    rows = [list(FIELDS)]
    for p in report.participants:
        values = participant_json(p)
        values["external_id"] = p.external_id or ""
        values["hours"] = f"{p.hours:.2f}"
        rows.append([safe_cell(values[name]) for name in FIELDS])
    return rows


def write_csv(report: AttendanceReport, out: TextIO) -> None:
    """Write the report as CSV (one line per member after the header)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(csv_rows(report))


# --- helpers for the member and group report screens -------------------------------------------


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
    days = _daily(db, group.id, start, end, participant_id).get(participant_id, {})
    per_week = _week_minutes(days)
    first = max(start, membership.joined)
    last = min(end, membership.left or end)
    result = []
    for monday in _weeks(first, last):
        year, week, _ = monday.isocalendar()
        result.append(WeekHours(year, week, round(per_week.get(monday, 0.0) / 60.0, 2)))
    return result


def member_history(db: Session, group: Group, participant_id: int) -> list[HistoryRow]:
    """Every ended session the member was due at, oldest first, with their status and minutes."""
    assert group.id is not None
    _membership(db, group, participant_id)
    due = _due(group.id, None, None, participant_id)
    rows = db.exec(
        select(
            due.c.local_date, due.c.topic_id, due.c.topic_title, due.c.status, due.c.minutes
        ).order_by(due.c.started_at)
    ).all()
    return [
        HistoryRow(
            _as_date(r.local_date), r.topic_id, r.topic_title, Status(r.status), float(r.minutes)
        )
        for r in rows
    ]


def last_complete_week(report: AttendanceReport, today: dt.date) -> dt.date | None:
    """The Monday of the latest ISO week that ended before today and within the report's range."""
    reference = min(report.date_to, today - dt.timedelta(days=1))
    sunday = reference - dt.timedelta(days=(reference.weekday() + 1) % 7)
    monday = sunday - dt.timedelta(days=6)
    return monday if sunday >= report.date_from else None


def outreach(
    report: AttendanceReport,
    db: Session,
    group: Group,
    *,
    today: dt.date | None = None,
    min_absences: int = 2,
) -> list[OutreachItem]:
    """Members with `min_absences`+ absences in a row, or below the weekly minimum last week.

    "Last week" is the latest complete ISO week within the report's range; a member counts for it
    if they were a member at some point in it (as for `weeks_below_minimum`).
    """
    assert group.id is not None
    today = today or today_in(group.timezone)
    monday = last_complete_week(report, today)
    week_minutes: dict[int, float] = {}
    due_last_week: set[int] = set()
    if monday is not None:
        sunday = monday + dt.timedelta(days=6)
        for pid, days in _daily(db, group.id, monday, sunday).items():
            week_minutes[pid] = sum(d.minutes for d in days.values())
        due_last_week = set(
            db.exec(
                select(Membership.participant_id).where(
                    Membership.group_id == group.id,
                    Membership.joined <= sunday,
                    sa.or_(Membership.left.is_(None), Membership.left >= monday),  # type: ignore[union-attr, operator]
                )
            ).all()
        )
    items = []
    for pid, row in report.rows():
        reasons = []
        if row.consecutive_absences >= min_absences:
            reasons.append(f"{row.consecutive_absences} absences in a row")
        hours: float | None = None
        if monday is not None and pid in due_last_week:
            minutes = week_minutes.get(pid, 0.0)
            hours = round(minutes / 60.0, 2)
            if _below(minutes, group.weekly_hours):
                year, week, _ = monday.isocalendar()
                reasons.append(
                    f"{hours:.2f} h in week {year}-W{week:02d}, below {group.weekly_hours:g} h"
                )
        if reasons:
            items.append(
                OutreachItem(pid, row.name, row.consecutive_absences, hours, tuple(reasons))
            )
    return items


def topics_covered(
    db: Session, group: Group, participant_id: int, curriculum: Curriculum
) -> tuple[list[str], list[str]]:
    """The curriculum's topic ids the member attended in this group, and those still missing.

    Both lists follow the curriculum's order.
    """
    attended = set(
        db.exec(
            select(GroupSession.topic_id)
            .join(Attendance, Attendance.session_id == GroupSession.id)  # type: ignore[arg-type]
            .where(
                GroupSession.group_id == group.id,
                GroupSession.curriculum_id == curriculum.id,
                GroupSession.state == SessionState.ENDED.value,
                Attendance.participant_id == participant_id,
                Attendance.status.in_(ATTENDED),  # type: ignore[attr-defined]
            )
            .distinct()
        ).all()
    )
    order = [topic.id for topic in curriculum.sessions]
    return [t for t in order if t in attended], [t for t in order if t not in attended]


def summary_line(report: AttendanceReport) -> str:
    """`Evening IOP, 2026-11-02 to 2026-11-15: 5 members` (for titles)."""
    count = len(report.participants)
    return (
        f"{report.group}, {report.date_from.isoformat()} to {report.date_to.isoformat()}: "
        f"{count} member{'s' if count != 1 else ''}"
    )
