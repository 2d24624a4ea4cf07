"""The program report: one person across all their groups (CONTRACT section 9).

IOP minimums are a person's: service minutes are summed over every group's sessions on the same
local day (each session's day in its own group's zone) and over each ISO week. One query sums
the minutes of every session a person was due at by person, group and day, and from those rows
gives back only each person's weeks (minutes, days attended, days below the daily minimum) and
groups (minutes); Python applies the fair-week rule of `reports.calendar` to those few rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.timeutil import machine_timezone, today_in
from facilitator.reports.attendance import default_range
from facilitator.reports.calendar import ScheduledWeeks, counted_weeks, iso_week, scheduled_days
from facilitator.reports.cycle import Coverage, group_coverage
from facilitator.reports.due import (
    as_date,
    below,
    due_sessions,
    member_between,
)
from facilitator.reports.weeks import person_weeks
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
    """Hours per group over the range: each group's part of `hours`."""
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


def _group_minutes(
    db: Session, date_from: dt.date, date_to: dt.date, people: list[int]
) -> Iterator[tuple[int, int, float | None]]:
    """(person, group, minutes) for the people given (those in more than one group)."""
    if not people:
        return
    due = due_sessions(None, date_from, date_to)
    query = (
        select(due.c.participant_id, due.c.group_id, sa.func.sum(due.c.minutes))
        .where(due.c.participant_id.in_(people))
        .group_by(due.c.participant_id, due.c.group_id)
    )
    yield from db.connection().execute(query)


def _group_hours(
    who: _Who, groups: dict[int, Group], minutes: dict[int, float] | None, hours: float | None
) -> dict[str, float]:
    """Each group's part of a person's hours (in one group: all of them; `hours` is None when
    they were due at nothing)."""
    if minutes is None:
        return {groups[span.group_id].name: hours for span in who.spans[:1] if hours is not None}
    return {groups[gid].name: round(value / 60.0, 2) for gid, value in minutes.items()}


class _WeekNames(dict[dt.date, str]):
    """ISO week names by Monday, each built once."""

    def __missing__(self, week: dt.date) -> str:
        name = self[week] = iso_week(week)
        return name


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
    return _build(
        db, date_from, date_to, weekly_hours, daily_hours, today, participant_id=participant_id
    )


def _build(
    db: Session,
    date_from: dt.date | None,
    date_to: dt.date | None,
    weekly_hours: float,
    daily_hours: float,
    today: dt.date | None,
    *,
    participant_id: int | None,
) -> ProgramReport:
    """The report of `program_report`."""
    today = today or today_in(machine_timezone())
    start, end = default_range(db, None, date_from, date_to, today=today)
    people = _people(db, start, end, participant_id)
    group_ids = sorted({span.group_id for who in people.values() for span in who.spans})
    groups = {g.id: g for g in db.exec(select(Group).where(col(Group.id).in_(group_ids))).all()}
    cancelled = cancelled_days(db, group_ids, start, end)
    scheduled = {
        gid: ScheduledWeeks(scheduled_days(g, start, end, cancelled[gid]))
        for gid, g in groups.items()
    }
    week_minutes: dict[int, dict[dt.date, float]] = defaultdict(dict)
    days_attended: dict[int, int] = defaultdict(int)
    days_below: dict[int, int] = defaultdict(int)
    for pid, monday, minutes, attended, low_days in person_weeks(
        db, start, end, daily_hours=daily_hours, participant_id=participant_id
    ):
        week_minutes[pid][monday] = minutes
        days_attended[pid] += attended
        days_below[pid] += low_days
    group_sets = {pid: {span.group_id for span in who.spans} for pid, who in people.items()}
    several = [pid for pid, gids in group_sets.items() if len(gids) > 1]
    by_group: dict[int, dict[int, float]] = defaultdict(dict)
    for pid, gid, minutes in _group_minutes(db, start, end, several):
        by_group[pid][gid] = float(minutes or 0.0)
    members: dict[int, list[int]] = defaultdict(list)
    for pid, gids in group_sets.items():
        for gid in gids:
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
    week_names = _WeekNames()
    result = []
    for pid, who in people.items():
        per_week = week_minutes[pid]
        active = set(per_week)
        for span in who.spans:
            active |= scheduled[span.group_id].weeks_within(span)
        counted = counted_weeks(
            who.spans,
            start,
            end,
            today=today,
            to_chosen=date_to is not None,
            active_weeks=active,
        )
        week_rows = []
        short = 0
        for w in counted:
            value = per_week.get(w, 0.0)
            low = below(value, weekly_hours)
            short += low
            week_rows.append(Week(week_names[w], round(value / 60.0, 2), low))
        gids = group_sets[pid]
        hours = round(sum(per_week.values()) / 60.0, 2)
        result.append(
            Person(
                name=who.name,
                external_id=who.external_id,
                groups=sorted({groups[gid].name for gid in gids}),
                hours=hours,
                days_attended=days_attended[pid],
                days_below_daily_minimum=days_below[pid],
                weeks=week_rows,
                weeks_below_minimum=short,
                participant_id=pid,
                group_hours=_group_hours(
                    who, groups, by_group.get(pid), hours if per_week else None
                ),
                topics={groups[gid].name: topics[gid][pid] for gid in gids if pid in topics[gid]},
                scales=scales.get(pid, {}),
            )
        )
    return ProgramReport(start, end, weekly_hours, daily_hours, result, asked)
