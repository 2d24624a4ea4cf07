"""The rows of imported sessions, built table by table and inserted in bulk."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.exchange.importer.schema import BreakIn, SessionIn
from facilitator.store.models import (
    Addendum,
    AgendaRun,
    Attendance,
    Break,
    GroupSession,
    Note,
    SessionState,
)

INSERT_CHUNK = 1000
"""Rows per bulk INSERT statement."""


def existing_ids(db: Session, ids: list[str]) -> set[str]:
    """Which of these session ids the database already holds (IN-queries in chunks)."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(db.exec(select(GroupSession.id).where(col(GroupSession.id).in_(chunk))).all())
    return found


Titles = dict[tuple[str, str | None], tuple[str, str | None]]
"""(curriculum id, topic id) → (curriculum title, topic title)."""


def installed_titles(sessions: list[SessionIn]) -> Titles:
    """Installed curricula's titles for (curriculum, topic) pairs in the file, where known."""
    wanted = {(s.curriculum, s.topic) for s in sessions if s.curriculum is not None}
    if not wanted:
        return {}
    from facilitator.curriculum.catalog import discover

    catalog = discover()
    titles: Titles = {}
    for curriculum_id, topic_id in wanted:
        curriculum = catalog.curricula.get(curriculum_id)
        if curriculum is None:
            continue
        topic = next((t.title for t in curriculum.sessions if t.id == topic_id), None)
        titles[(curriculum_id, topic_id)] = (curriculum.title, topic)
    return titles


def insert_rows(db: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Bulk INSERT in chunks (executemany): fast for hundreds of thousands of rows."""
    for start in range(0, len(rows), INSERT_CHUNK):
        db.execute(sa.insert(model), rows[start : start + INSERT_CHUNK])


def _break_minutes(brk: BreakIn) -> int:
    if brk.ended_at is None:
        return 10
    return max(1, round((brk.ended_at - brk.started_at).total_seconds() / 60))


TABLES: dict[str, type[Any]] = {
    "sessions": GroupSession,
    "agenda": AgendaRun,
    "breaks": Break,
    "attendance": Attendance,
    "notes": Note,
    "addenda": Addendum,
}
"""Tables an imported session fills, in the order they are written (parents first)."""


def session_rows(
    s: SessionIn,
    *,
    group_id: int,
    attendee_ids: list[int],
    note_ids: list[int | None],
    titles: tuple[str | None, str | None],
) -> dict[str, list[dict[str, Any]]]:
    """The rows of one imported session, table by table (every column given explicitly)."""
    session = {
        "id": s.id,
        "group_id": group_id,
        "curriculum_id": s.curriculum,
        "curriculum_title": titles[0],
        "topic_id": s.topic,
        "topic_title": titles[1],
        "facilitator": s.facilitator,
        "planned_minutes": sum(item.planned_minutes for item in s.agenda),
        "started_at": s.started_at,
        "ended_at": s.ended_at,
        "state": SessionState.ENDED.value,
        "local_date": s.started_at.date(),  # the local date as recorded, in its own offset
        "signed_by": s.signed_by,
        "signed_at": s.signed_at,
    }
    agenda = [
        {
            "session_id": s.id,
            "position": position,
            "title": item.title,
            "kind": item.kind,
            "planned_minutes": item.planned_minutes,
            "extra_minutes": 0,
            "prompts": "",
            "handouts": [],
            "started_at": item.started_at,
            "ended_at": item.ended_at,
            "paused_at": None,
            "paused_seconds": 0.0,
            "skipped": item.skipped,
        }  # fmt: skip
        for position, item in enumerate(s.agenda)
    ]
    breaks = [
        {
            "session_id": s.id,
            "planned_minutes": _break_minutes(brk),
            "started_at": brk.started_at,
            "ended_at": brk.ended_at,
            "agenda_position": None,
            "pauses_item": False,
        }  # fmt: skip
        for brk in s.breaks
    ]
    attendance = [
        {
            "session_id": s.id,
            "participant_id": participant_id,
            "status": row.status,
            "checked_in_at": row.checked_in_at,
            "checked_out_at": row.checked_out_at,
            "method": row.method,
            "minutes": float(row.minutes),
            "modality": row.modality,
            "craving": row.scales.craving,
            "mood": row.scales.mood,
        }  # fmt: skip
        for row, participant_id in zip(s.attendance, attendee_ids, strict=True)
    ]
    notes = [
        {
            "session_id": s.id,
            "participant_id": participant_id,
            "format": note.format,
            "fields": dict(note.fields or {}),
            "text": note.text,
            "created_at": note.created_at,
            "updated_at": note.created_at,
        }  # fmt: skip
        for note, participant_id in zip(s.notes, note_ids, strict=True)
    ]
    addenda = [
        {
            "session_id": s.id,
            "text": a.text,
            "reason": a.reason,
            "author": a.author,
            "created_at": a.created_at,
        }  # fmt: skip
        for a in s.addenda
    ]
    return {
        "sessions": [session],
        "agenda": agenda,
        "breaks": breaks,
        "attendance": attendance,
        "notes": notes,
        "addenda": addenda,
    }
