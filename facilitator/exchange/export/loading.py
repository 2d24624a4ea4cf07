"""Loading session logs for export: filtered, oldest first, in keyset pages.

A page of `batch_size` sessions is read ordered by (started_at, id), and its agenda, breaks,
attendance, notes and addenda come in one IN-query per table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.store.models import (
    Addendum,
    AgendaRun,
    Attendance,
    Break,
    Group,
    GroupSession,
    Note,
    Participant,
    SessionState,
)

BATCH_SIZE = 200
"""Sessions per page read from the database."""


@dataclass(frozen=True)
class ExportFilter:
    """Which sessions to export: a group, an inclusive local-date range, live ones or not."""

    group: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    include_live: bool = False


@dataclass
class SessionLog:
    """One session with everything recorded about it, as loaded for export."""

    session: GroupSession
    group: Group
    agenda: list[AgendaRun] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    attendance: list[tuple[Attendance, Participant]] = field(default_factory=list)
    notes: list[tuple[Note, Participant | None]] = field(default_factory=list)
    addenda: list[Addendum] = field(default_factory=list)

    @property
    def timezone(self) -> str:
        """The group's time zone: every time is shown in it."""
        return self.group.timezone


def _person_key(participant: Participant | None) -> tuple[int, str, str, str]:
    """Sort order of people: the group note (None) first, then by name, external id, code."""
    if participant is None:
        return (0, "", "", "")
    return (1, participant.name.casefold(), participant.external_id or "", participant.code)


def session_conditions(db: Session, filt: ExportFilter, c: Any) -> list[Any]:
    """The WHERE conditions of the filter on the sessions' columns `c` (`table.c` or the model)."""
    conditions: list[Any] = []
    if filt.group is not None:
        from facilitator.program.groups import get_group

        conditions.append(c.group_id == get_group(db, filt.group).id)
    if filt.include_live:
        # A voided session was started by mistake: it is in no log, live or not.
        conditions.append(c.state != SessionState.VOID.value)
    else:
        conditions.append(c.state == SessionState.ENDED.value)
    if filt.date_from is not None:
        conditions.append(c.local_date >= filt.date_from)
    if filt.date_to is not None:
        conditions.append(c.local_date <= filt.date_to)
    return conditions


def _sessions_query(db: Session, filt: ExportFilter) -> Any:
    """The filtered sessions with their group, not yet ordered or paged."""
    query = select(GroupSession, Group).join(Group, col(Group.id) == col(GroupSession.group_id))
    return query.where(*session_conditions(db, filt, GroupSession))


def _load_children(db: Session, logs: dict[str, SessionLog]) -> None:
    """Fill in a page's agenda, breaks, attendance, notes and addenda: one query per table."""
    ids = list(logs)
    for item in db.exec(
        select(AgendaRun)
        .where(col(AgendaRun.session_id).in_(ids))
        .order_by(col(AgendaRun.session_id), col(AgendaRun.position), col(AgendaRun.id))
    ):
        logs[item.session_id].agenda.append(item)
    for brk in db.exec(
        select(Break)
        .where(col(Break.session_id).in_(ids))
        .order_by(col(Break.session_id), col(Break.started_at), col(Break.id))
    ):
        logs[brk.session_id].breaks.append(brk)
    for row, person in db.exec(
        select(Attendance, Participant)
        .join(Participant, col(Participant.id) == col(Attendance.participant_id))
        .where(col(Attendance.session_id).in_(ids))
    ):
        logs[row.session_id].attendance.append((row, person))
    for note, author in db.exec(
        select(Note, Participant)
        .outerjoin(Participant, col(Participant.id) == col(Note.participant_id))
        .where(col(Note.session_id).in_(ids))
    ):
        logs[note.session_id].notes.append((note, author))
    for addendum in db.exec(
        select(Addendum)
        .where(col(Addendum.session_id).in_(ids))
        .order_by(col(Addendum.session_id), col(Addendum.created_at), col(Addendum.id))
    ):
        logs[addendum.session_id].addenda.append(addendum)
    for log in logs.values():
        # Sorted here, not in SQL, so the order is the same on SQLite and PostgreSQL.
        log.attendance.sort(key=lambda pair: (_person_key(pair[1]), pair[0].id or 0))
        log.notes.sort(key=lambda pair: (_person_key(pair[1]), pair[0].id or 0))


def iter_sessions(
    db: Session, filt: ExportFilter | None = None, *, batch_size: int = BATCH_SIZE
) -> Iterator[SessionLog]:
    """Every matching session, oldest first, read in keyset pages of `batch_size`."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    query = _sessions_query(db, filt or ExportFilter())
    after: tuple[dt.datetime, str] | None = None
    while True:
        page = query
        if after is not None:
            started, last_id = after
            page = page.where(
                sa.or_(
                    col(GroupSession.started_at) > started,
                    sa.and_(
                        col(GroupSession.started_at) == started, col(GroupSession.id) > last_id
                    ),
                )
            )
        rows = db.exec(
            page.order_by(col(GroupSession.started_at), col(GroupSession.id)).limit(batch_size)
        ).all()
        if not rows:
            return
        logs = {session.id: SessionLog(session=session, group=group) for session, group in rows}
        _load_children(db, logs)
        yield from logs.values()
        if len(rows) < batch_size:
            return
        last = rows[-1][0]
        after = (last.started_at, last.id)


def load_session_log(db: Session, session_id: str) -> SessionLog | None:
    """One session with everything recorded about it (for the history screen), or None."""
    row = db.exec(
        select(GroupSession, Group)
        .join(Group, col(Group.id) == col(GroupSession.group_id))
        .where(GroupSession.id == session_id)
    ).first()
    if row is None:
        return None
    logs = {row[0].id: SessionLog(session=row[0], group=row[1])}
    _load_children(db, logs)
    return logs[row[0].id]


def count_sessions(db: Session, filt: ExportFilter | None = None) -> int:
    """How many sessions an export with this filter would write (for a progress bar)."""
    query = _sessions_query(db, filt or ExportFilter()).subquery()
    return int(db.exec(select(sa.func.count()).select_from(query)).one())
