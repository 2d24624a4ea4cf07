"""Session history for session leads: summaries with attendance counts (SQL aggregates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.reports.member import HistoryRow
from facilitator.store.conditions import in_dates
from facilitator.store.models import Attendance, Group, GroupSession, Status


@dataclass(frozen=True)
class SessionSummary:
    """One session in the history list."""

    id: str
    group: str
    local_date: dt.date
    topic: str
    facilitator: str
    state: str
    signed: bool
    counts: dict[Status, int]

    @property
    def attended(self) -> int:
        """Present, late and left early."""
        return sum(n for s, n in self.counts.items() if s.attended)


def _count(status: Status) -> sa.ColumnElement[int]:
    return sa.func.coalesce(
        sa.func.sum(sa.case((Attendance.status == status.value, 1), else_=0)), 0
    )


def list_sessions(
    db: Session,
    *,
    group_id: int | None = None,
    text: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 500,
) -> list[SessionSummary]:
    """Sessions, newest first, with status counts; `text` filters group, topic, facilitator."""
    counts = [_count(s).label(s.value) for s in Status]
    query = (
        select(GroupSession, Group.name, *counts)
        .join(Group, col(Group.id) == col(GroupSession.group_id))
        .outerjoin(Attendance, col(Attendance.session_id) == col(GroupSession.id))
        .group_by(GroupSession.id, Group.name)
        .order_by(col(GroupSession.started_at).desc())
        .limit(limit)
    )
    if group_id is not None:
        query = query.where(GroupSession.group_id == group_id)
    query = query.where(*in_dates(GroupSession.local_date, date_from, date_to))
    if text.strip():
        like = f"%{text.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Group.name).like(like),
                sa.func.lower(sa.func.coalesce(GroupSession.topic_title, "")).like(like),
                sa.func.lower(GroupSession.facilitator).like(like),
            )
        )
    result = []
    for session, group_name, *numbers in db.exec(query).all():
        result.append(
            SessionSummary(
                id=session.id,
                group=group_name,
                local_date=session.local_date,
                topic=session.topic_title or session.topic_id or "",
                facilitator=session.facilitator,
                state=session.state,
                signed=session.signed_at is not None,
                counts={s: int(n) for s, n in zip(Status, numbers, strict=True)},
            )
        )
    return result


def calendar(history: list[HistoryRow]) -> dict[dt.date, Status]:
    """One status per day for a heat map: the day's best attendance when several sessions."""
    rank = {
        Status.PRESENT: 5,
        Status.LATE: 4,
        Status.LEFT_EARLY: 3,
        Status.EXCUSED: 2,
        Status.ABSENT: 1,
    }
    days: dict[dt.date, Status] = {}
    for row in history:
        current = days.get(row.local_date)
        if current is None or rank[row.status] > rank[current]:
            days[row.local_date] = row.status
    return days
