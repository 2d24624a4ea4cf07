"""The program report: one person across all their groups (CONTRACT section 9).

IOP minimums are a person's: service minutes are summed over every group's sessions on the same
local day (each session's day in its own group's zone) and over each ISO week. One query gives the
per-person, per-group, per-day minutes of every session a person was due at; Python buckets those
small rows into days and weeks and applies the fair-week rule of `reports.calendar`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.timeutil import machine_timezone, today_in
from facilitator.reports.attendance import default_range
from facilitator.reports.calendar import counted_weeks, iso_week, scheduled_days, within
from facilitator.reports.cycle import Coverage, group_coverage
from facilitator.reports.due import (
    ATTENDED,
    as_date,
    below,
    due_sessions,
    member_between,
    monday,
)
from facilitator.session.cancel import cancelled_days
from facilitator.session.scales import SCALES, ScaleSummary, scale_summaries, scales_of
from facilitator.store.models import Group, Membership, Participant


@dataclass(frozen=True)
class Week:
    """One counted ISO week of a person's: `2026-W49` and the service hours in it."""

    week: str
    hours: float
    below: bool


@dataclass(frozen=True)
class Person:
    """One person's figures (the fields of section 9 in order), and their groups' parts."""

    name: str
    external_id: str | None
    groups: list[str]
    hours: float
    days_attended: int
    days_below_daily_minimum: int
    weeks: list[Week]
    weeks_below_minimum: int
    participant_id: int = 0
    group_hours: dict[str, float] = field(default_factory=dict)
    topics: dict[str, Coverage] = field(default_factory=dict)
    """Per group with a curriculum: the person's topics covered of it, and when completed."""
    scales: dict[str, ScaleSummary] = field(default_factory=dict)
    """Each check-in scale the person answered in range, across all groups: latest and mean."""

    def scale_text(self, scale: str) -> str:
        """`7 (5.5)`: the latest answer and the mean, or "" when never answered."""
        found = self.scales.get(scale)
        return f"{found.latest} ({found.mean:g})" if found else ""

    def groups_text(self) -> str:
        """`Afternoon Process 2/6, Morning Skills 5/10 on 2026-11-20`: groups and coverage."""
        return ", ".join(
            f"{name} {self.topics[name].text()}" if name in self.topics else name
            for name in self.groups
        )

    """Hours per group over the range: each group's part of `hours`."""

    def as_json(self) -> dict[str, object]:
        """The entry of `report program --format json`."""
        return {
            "name": self.name,
            "external_id": self.external_id,
            "groups": self.groups,
            "hours": self.hours,
            "days_attended": self.days_attended,
            "days_below_daily_minimum": self.days_below_daily_minimum,
            "weeks": [{"week": w.week, "hours": w.hours} for w in self.weeks],
            "weeks_below_minimum": self.weeks_below_minimum,
        }


@dataclass(frozen=True)
class ProgramReport:
    """Every person who was a member of any group in the range."""

    date_from: dt.date
    date_to: dt.date
    weekly_hours: float
    daily_hours: float
    people: list[Person]
    scales: tuple[str, ...] = ()
    """The check-in scales any of the groups asks (the table's extra columns), in order."""

    def as_json(self) -> dict[str, object]:
        """`report program --format json`."""
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "weekly_hours": self.weekly_hours,
            "daily_hours": self.daily_hours,
            "people": [p.as_json() for p in self.people],
        }


def _day_rows(
    db: Session, date_from: dt.date, date_to: dt.date, participant_id: int | None
) -> sa.CursorResult[tuple[int, int, dt.date, float, int]]:
    """(participant, group, local day, service minutes, attended) for every ended session in
    range that a member was due at, in any group: plain Core rows, no ORM."""
    due = due_sessions(None, date_from, date_to, participant_id)
    query = select(
        due.c.participant_id,
        due.c.group_id,
        due.c.local_date,
        sa.func.sum(due.c.minutes),
        sa.func.max(sa.case((due.c.status.in_(ATTENDED), 1), else_=0)),
    ).group_by(due.c.participant_id, due.c.group_id, due.c.local_date)
    return db.connection().execute(query)


class _Span(NamedTuple):
    """One membership period of a person's, in one group."""

    group_id: int
    joined: dt.date
    left: dt.date | None


class _Who(NamedTuple):
    """A person as the report names them, and their periods in range (oldest first)."""

    name: str
    external_id: str | None
    spans: list[_Span]


def _people(
    db: Session, start: dt.date, end: dt.date, participant_id: int | None
) -> dict[int, _Who]:
    """Everyone with a membership overlapping the range, by name then id (Core rows)."""
    query = (
        select(
            col(Participant.id),
            col(Participant.name),
            col(Participant.external_id),
            col(Membership.group_id),
            col(Membership.joined),
            col(Membership.left),
        )
        .join(Membership, col(Membership.participant_id) == col(Participant.id))
        .where(member_between(start, end))
        .order_by(col(Participant.name), col(Participant.id), col(Membership.joined))
    )
    if participant_id is not None:
        query = query.where(Participant.id == participant_id)
    people: dict[int, _Who] = {}
    for pid, name, external_id, gid, joined, left in db.connection().execute(query):
        who = people.get(pid)
        if who is None:
            who = people[pid] = _Who(name, external_id, [])
        who.spans.append(_Span(gid, as_date(joined), as_date(left) if left else None))
    return people


def program_report(
    db: Session,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    weekly_hours: float = 9.0,
    daily_hours: float = 3.0,
    today: dt.date | None = None,
    participant_id: int | None = None,
) -> ProgramReport:
    """Every person's service hours across all their groups, by day and ISO week.

    `today` (default: today in this machine's zone) decides which weeks have ended; a range whose
    `date_to` is given counts the week it ends in as the user's choice.
    """
    today = today or today_in(machine_timezone())
    start, end = default_range(db, None, date_from, date_to, today=today)
    people = _people(db, start, end, participant_id)
    group_ids = sorted({span.group_id for who in people.values() for span in who.spans})
    groups = {g.id: g for g in db.exec(select(Group).where(col(Group.id).in_(group_ids))).all()}
    cancelled = cancelled_days(db, group_ids, start, end)
    scheduled = {
        gid: sorted(scheduled_days(g, start, end, cancelled[gid])) for gid, g in groups.items()
    }
    minutes: dict[int, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    attended: dict[int, set[dt.date]] = defaultdict(set)
    by_group: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for pid, gid, day, total, was_there in _day_rows(db, start, end, participant_id):
        day = as_date(day)
        value = float(total or 0.0)
        minutes[pid][day] += value
        by_group[pid][gid] += value
        if was_there:
            attended[pid].add(day)
    members: dict[int, list[int]] = defaultdict(list)
    for pid, who in people.items():
        for gid in {span.group_id for span in who.spans}:
            members[gid].append(pid)
    from facilitator.curriculum.catalog import discover

    curricula = discover().curricula if any(g.curriculum_id for g in groups.values()) else {}
    topics = {
        gid: group_coverage(db, groups[gid], pids, curricula) for gid, pids in members.items()
    }
    asked = tuple(s for s in SCALES if any(s in scales_of(g) for g in groups.values()))
    scales = (
        scale_summaries(db, participant_id=participant_id, date_from=start, date_to=end)
        if asked
        else {}
    )
    mondays: dict[dt.date, dt.date] = {}
    result = []
    for pid, who in people.items():
        days = minutes[pid]
        active = set(days)
        for span in who.spans:
            active |= within([span], scheduled[span.group_id])
        per_week: dict[dt.date, float] = defaultdict(float)
        for day, value in days.items():
            week = mondays.get(day)
            if week is None:
                week = mondays[day] = monday(day)
            per_week[week] += value
        counted = counted_weeks(
            who.spans,
            start,
            end,
            today=today,
            to_chosen=date_to is not None,
            active_days=active,
        )
        week_rows = [
            Week(
                iso_week(w),
                round(per_week.get(w, 0.0) / 60.0, 2),
                below(per_week.get(w, 0.0), weekly_hours),
            )
            for w in counted
        ]
        result.append(
            Person(
                name=who.name,
                external_id=who.external_id,
                groups=sorted({groups[span.group_id].name for span in who.spans}),
                hours=round(sum(days.values()) / 60.0, 2),
                days_attended=len(attended[pid]),
                days_below_daily_minimum=sum(
                    1 for d in attended[pid] if below(days[d], daily_hours)
                ),
                weeks=week_rows,
                weeks_below_minimum=sum(1 for w in week_rows if w.below),
                participant_id=pid,
                group_hours={
                    groups[gid].name: round(value / 60.0, 2) for gid, value in by_group[pid].items()
                },
                topics={
                    groups[gid].name: topics[gid][pid]
                    for gid in {span.group_id for span in who.spans}
                    if pid in topics[gid]
                },
                scales=scales.get(pid, {}),
            )
        )
    return ProgramReport(start, end, weekly_hours, daily_hours, result, asked)
