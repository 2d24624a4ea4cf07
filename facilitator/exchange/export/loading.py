"""One session's log as records (ORM objects), for the history screen that corrects it.

The exports read rows (`rows`); the screen needs whole records (ids, states, positions) to show
and correct a session. Children come in one query per table, ordered as in the exports.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from facilitator.exchange.export.rows import SessionLog, person_key
from facilitator.store import models
from facilitator.store.models import Attendance, Group, GroupSession, Note, Participant


def _load_children(db: Session, logs: dict[str, SessionLog]) -> None:
    """Fill in the agenda, breaks, attendance, notes and addenda: one query per table."""
    ids = list(logs)
    for table, field, order in (
        (models.AgendaRun, "agenda", "position"),
        (models.Break, "breaks", "started_at"),
        (models.Addendum, "addenda", "created_at"),
    ):
        session_id = col(table.session_id)
        query = select(table).where(session_id.in_(ids))
        ordered = query.order_by(session_id, col(getattr(table, order)), col(table.id))
        for record in db.exec(ordered):
            getattr(logs[record.session_id], field).append(record)
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
    for log in logs.values():
        # Sorted here, not in SQL, so the order is the same on SQLite and PostgreSQL.
        log.attendance.sort(key=lambda pair: (_key_of(pair[1]), pair[0].id or 0))
        log.notes.sort(key=lambda pair: (_key_of(pair[1]), pair[0].id or 0))


def _key_of(person: Participant | None) -> tuple:
    """`rows.person_key` of a participant record (None: the group note)."""
    if person is None:
        return person_key(None, None, None)
    return person_key(person.name, person.external_id, person.code)


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
