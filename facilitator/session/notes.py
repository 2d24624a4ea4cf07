"""Session notes and per-member progress notes (DAP, BIRP, GIRP, SOAP), with clone detection
and the checks made before signing (members who attended without a note, cloned notes)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.session.attendance import ensure_correctable, ensure_editable
from facilitator.store.audit import audit
from facilitator.store.database import insert_ignore
from facilitator.store.models import (
    NOTE_FORMATS,
    Attendance,
    Group,
    GroupSession,
    Note,
    Participant,
    SessionState,
    Status,
)

CLONE_RATIO = 0.9
CLONE_MIN_CHARS = 20


def compose(fields: dict[str, str], headings: tuple[str, ...]) -> str:
    """The whole note as text: one `Heading: text` paragraph per filled heading."""
    parts = [f"{h}: {fields[h].strip()}" for h in headings if fields.get(h, "").strip()]
    return "\n\n".join(parts)


def get_notes(db: Session, session_id: str) -> dict[int | None, Note]:
    """The session's notes by participant id (None: the session note)."""
    notes = db.exec(select(Note).where(Note.session_id == session_id)).all()
    return {n.participant_id: n for n in notes}


def save_note(
    db: Session,
    *,
    session: GroupSession,
    participant_id: int | None,
    note_format: str | None = None,
    fields: dict[str, str] | None = None,
    text: str | None = None,
    now: dt.datetime,
    actor: str = "",
) -> Note:
    """Create or update a note; a member note in a format keeps one field per heading."""
    ensure_editable(session)
    created = _ensure_note(db, session.id, participant_id, now)
    note = db.exec(
        select(Note)
        .where(Note.session_id == session.id, Note.participant_id == participant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if participant_id is not None and note_format in NOTE_FORMATS:
        headings = NOTE_FORMATS[note_format]
        clean = {h: (fields or {}).get(h, "") for h in headings}
        note.format = note_format
        note.fields = clean
        note.text = compose(clean, headings)
    else:
        note.format = None
        note.fields = {}
        note.text = text or ""
    note.updated_at = now
    db.add(note)
    if created:
        audit(
            db,
            "note.create",
            session_id=session.id,
            participant_id=participant_id,
            actor=actor,
            at=now,
        )
    db.flush()
    return note


def _ensure_note(
    db: Session, session_id: str, participant_id: int | None, now: dt.datetime
) -> bool:
    """Create the empty note if missing, atomically (two laptops may try at once); True if new."""
    table = Note.__table__  # type: ignore[attr-defined]
    row: dict[str, object] = {
        "session_id": session_id,
        "participant_id": participant_id,
        "fields": {},
        "text": "",
        "created_at": now,
        "updated_at": now,
    }
    if participant_id is None:
        # The session note: unique per session by a partial index.
        return bool(
            insert_ignore(
                db,
                table,
                [row],
                conflict=["session_id"],
                where=col(Note.participant_id).is_(None),
            )
        )
    return bool(insert_ignore(db, table, [row], conflict=["session_id", "participant_id"]))


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold()).strip()


@dataclass(frozen=True)
class ClonePair:
    """Two member notes that read (nearly) the same."""

    first: int
    second: int
    ratio: float


def cloned_notes(notes: dict[int | None, Note]) -> list[ClonePair]:
    """Pairs of member notes that are identical or near-identical (an audit red flag)."""
    members = [
        (pid, _normalise(n.text))
        for pid, n in notes.items()
        if pid is not None and len(_normalise(n.text)) >= CLONE_MIN_CHARS
    ]
    pairs: list[ClonePair] = []
    for i, (a, text_a) in enumerate(members):
        for b, text_b in members[i + 1 :]:
            ratio = difflib.SequenceMatcher(None, text_a, text_b).ratio()
            if ratio >= CLONE_RATIO:
                pairs.append(ClonePair(a, b, round(ratio, 3)))
    return pairs


ATTENDED = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)
"""The statuses of a member who was there, and so needs a progress note."""


def save_record_note(
    db: Session,
    *,
    session_id: str,
    participant_id: int | None,
    fields: dict[str, str] | None = None,
    text: str | None = None,
    now: dt.datetime,
    actor: str = "",
) -> Note:
    """Save a note after the session, from its record: only until it is signed (a live
    session's notes are written on the live screen)."""
    session = db.get(GroupSession, session_id)
    group = db.get(Group, session.group_id) if session is not None else None
    if session is None or group is None:
        raise UserError("that session no longer exists")
    ensure_correctable(session)
    note = {"fields": fields, "text": text, "now": now, "actor": actor}
    return save_note(
        db, session=session, participant_id=participant_id, note_format=group.note_format, **note
    )


@dataclass(frozen=True)
class NoteProblems:
    """What a reviewer would flag in a session's progress notes, listed before signing."""

    missing: list[str]
    """Names of the members who attended and have no progress note, by name."""

    cloned: list[tuple[str, str]]
    """Pairs of members whose notes read (nearly) the same."""

    def __bool__(self) -> bool:
        return bool(self.missing or self.cloned)

    def lines(self) -> list[str]:
        """One line per problem, for a dialog or the terminal."""
        found = []
        if self.missing:
            count = len(self.missing)
            who = "member who attended has" if count == 1 else "members who attended have"
            found.append(f"{count} {who} no progress note: {', '.join(self.missing)}")
        found += [f"near-identical notes: {a} and {b}" for a, b in self.cloned]
        return found


def note_problems(db: Session, session_id: str) -> NoteProblems:
    """Members who attended with no progress note, and pairs of cloned notes, in a session."""
    rows = db.exec(
        select(Attendance, Participant)
        .join(Participant, col(Participant.id) == col(Attendance.participant_id))
        .where(Attendance.session_id == session_id)
    ).all()
    notes = get_notes(db, session_id)
    names = {person.id: person.name for _, person in rows}
    missing = [
        person.name
        for row, person in rows
        if Status(row.status).attended and not _written(notes.get(person.id))
    ]
    cloned = [
        (names.get(pair.first, "?"), names.get(pair.second, "?")) for pair in cloned_notes(notes)
    ]
    return NoteProblems(sorted(missing, key=str.casefold), cloned)


def _written(note: Note | None) -> bool:
    return note is not None and bool(note.text.strip())


def sessions_missing_notes(db: Session) -> list[str]:
    """Ended, unsigned sessions in which a member who attended has no progress note (ids)."""
    has_note = (
        sa.exists()
        .where(
            col(Note.session_id) == col(Attendance.session_id),
            col(Note.participant_id) == col(Attendance.participant_id),
            sa.func.trim(col(Note.text)) != "",
        )
        .correlate(Attendance)
    )
    query = (
        select(Attendance.session_id)
        .join(GroupSession, col(GroupSession.id) == col(Attendance.session_id))
        .where(
            GroupSession.state == SessionState.ENDED.value,
            col(GroupSession.signed_at).is_(None),
            col(Attendance.status).in_(ATTENDED),
            ~has_note,
        )
        .distinct()
    )
    return sorted(db.exec(query).all())
