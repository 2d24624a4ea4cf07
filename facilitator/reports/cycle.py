"""Rolling groups: the topics of a curriculum repeat, and a member stays until they have covered
them all (SAMHSA TIP 47).

A member *covered* a topic when they attended (present, late or left early) an ended session of
the group on it. They *completed the cycle* on the date of the session at which the last topic
they still lacked was covered. A topic they missed comes round again in curriculum order after the
group's next proposed topic, one topic a scheduled meeting (cancelled days skipped).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.program.schedule import parse
from facilitator.reports.due import ATTENDED, as_date
from facilitator.session.cancel import cancelled_days
from facilitator.store.models import Attendance, Group, GroupSession, SessionState

if TYPE_CHECKING:
    from facilitator.curriculum.model import Curriculum

HORIZON_DAYS = 400
"""How far ahead to look for the meeting at which a missed topic comes round."""


@dataclass(frozen=True)
class Cycle:
    """One member's progress through the group's curriculum."""

    covered: list[str]
    """Topic ids covered, in curriculum order."""
    missing: list[str]
    """Topic ids not yet covered, in curriculum order."""
    total: int
    completed_on: dt.date | None
    """The day the member had covered every topic; None until then."""
    comes_round: dict[str, int] = field(default_factory=dict)
    """For each missing topic: how many meetings from the next one until it is held (0: next)."""
    comes_round_on: dict[str, dt.date | None] = field(default_factory=dict)
    """For each missing topic: the scheduled day it is next held (None without a schedule)."""

    def summary(self) -> str:
        """`4/6 topics` or `6/6 topics, completed 2026-11-20`."""
        done = f"{len(self.covered)}/{self.total} topics"
        return f"{done}, completed {self.completed_on.isoformat()}" if self.completed_on else done


def _attended_on(group: Group, curriculum: Curriculum) -> tuple[sa.ColumnElement[bool], ...]:
    """Attendance rows that cover a topic: attended, in an ended session of the group on the
    curriculum."""
    return (
        GroupSession.group_id == group.id,
        GroupSession.curriculum_id == curriculum.id,
        GroupSession.state == SessionState.ENDED.value,
        col(Attendance.status).in_(ATTENDED),
    )


def attended_topics(
    db: Session, group: Group, curriculum: Curriculum, participant_ids: list[int] | None = None
) -> dict[int, list[tuple[dt.date, str]]]:
    """Per member, the (local date, topic id) of each attended ended session on the curriculum,
    oldest first."""
    query = (
        select(Attendance.participant_id, GroupSession.local_date, GroupSession.topic_id)
        .join(GroupSession, col(GroupSession.id) == col(Attendance.session_id))
        .where(*_attended_on(group, curriculum))
        .order_by(col(GroupSession.started_at))
    )
    if participant_ids is not None:
        query = query.where(col(Attendance.participant_id).in_(participant_ids))
    result: dict[int, list[tuple[dt.date, str]]] = {}
    for pid, day, topic in db.exec(query).all():
        if topic:
            result.setdefault(pid, []).append((as_date(day), topic))
    return result


def completion(attended: list[tuple[dt.date, str]], topics: list[str]) -> dt.date | None:
    """The date on which `attended` (oldest first) first covers every topic."""
    wanted = set(topics)
    seen: set[str] = set()
    for day, topic in attended:
        seen.add(topic)
        if wanted <= seen:
            return day
    return None


def upcoming_meetings(db: Session, group: Group, after: dt.date, count: int) -> list[dt.date]:
    """The group's next `count` scheduled meeting days after `after` (cancelled days skipped;
    a day with two blocks counts twice)."""
    if not group.meets or count <= 0:
        return []
    assert group.id is not None
    end = after + dt.timedelta(days=HORIZON_DAYS)
    cancelled = cancelled_days(db, [group.id], after, end)[group.id]
    blocks = parse(group.meets)
    per_weekday = [sum(weekday in b.days for b in blocks) for weekday in range(7)]
    days: list[dt.date] = []
    day = after
    while len(days) < count and day < end:
        day += dt.timedelta(days=1)
        if day not in cancelled:
            days.extend([day] * per_weekday[day.weekday()])
    return days[:count]


def cycle_of(
    db: Session,
    group: Group,
    participant_id: int,
    curriculum: Curriculum,
    *,
    next_topic: str,
    today: dt.date,
) -> Cycle:
    """One member's cycle: topics covered and missing, completion, when the missing come round.

    `next_topic` is the topic the group's next session will propose (see
    `session.lifecycle.propose_topic`); the next meeting is the first scheduled day after today.
    """
    order = [t.id for t in curriculum.sessions]
    attended = attended_topics(db, group, curriculum, [participant_id]).get(participant_id, [])
    seen = {topic for _, topic in attended}
    missing = [t for t in order if t not in seen]
    start = order.index(next_topic) if next_topic in order else 0
    steps = {t: (order.index(t) - start) % len(order) for t in missing}
    days = upcoming_meetings(db, group, today, max(steps.values(), default=-1) + 1)
    return Cycle(
        covered=[t for t in order if t in seen],
        missing=missing,
        total=len(order),
        completed_on=completion(attended, order),
        comes_round=steps,
        comes_round_on={t: days[k] if k < len(days) else None for t, k in steps.items()},
    )


@dataclass(frozen=True)
class Coverage:
    """A member's topics covered of a curriculum's total, and when they completed it."""

    covered: int
    total: int
    completed_on: dt.date | None

    def text(self) -> str:
        """`4/10`, or `10/10 on 2026-11-20` once complete."""
        done = f" on {self.completed_on.isoformat()}" if self.completed_on else ""
        return f"{self.covered}/{self.total}{done}"


def coverage(
    db: Session, group: Group, curriculum: Curriculum, participant_ids: list[int]
) -> dict[int, Coverage]:
    """Each member's coverage of the group's curriculum: one aggregate query for the group gives
    each member's topics covered and the latest of the first days they attended each (the day
    they completed it, once every topic is covered)."""
    order = [t.id for t in curriculum.sessions]
    first = (
        select(
            col(Attendance.participant_id).label("pid"),
            sa.func.min(GroupSession.local_date).label("day"),
        )
        .join(GroupSession, col(GroupSession.id) == col(Attendance.session_id))
        .where(*_attended_on(group, curriculum), col(GroupSession.topic_id).in_(order))
        .group_by(Attendance.participant_id, GroupSession.topic_id)
        .subquery()
    )
    query = sa.select(first.c.pid, sa.func.count(), sa.func.max(first.c.day)).group_by(first.c.pid)
    total = len(order)
    found = {
        pid: Coverage(covered, total, as_date(day) if covered == total and order else None)
        for pid, covered, day in db.connection().execute(query)
    }
    none = Coverage(0, total, None)
    return {pid: found.get(pid, none) for pid in participant_ids}


def group_coverage(
    db: Session,
    group: Group,
    participant_ids: list[int],
    curricula: dict[str, Curriculum] | None = None,
) -> dict[int, Coverage]:
    """Coverage of the group's default curriculum; empty when it has none (or it is missing).
    `curricula` (id → curriculum) saves reading the catalog again for each group."""
    if not group.curriculum_id:
        return {}
    if curricula is None:
        from facilitator.curriculum.catalog import discover

        curricula = discover().curricula
    curriculum = curricula.get(group.curriculum_id)
    return coverage(db, group, curriculum, participant_ids) if curriculum else {}
