"""Session notes and per-member progress notes (DAP, BIRP, GIRP, SOAP), with clone detection."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from facilitator.session.attendance import ensure_editable
from facilitator.store.audit import audit
from facilitator.store.database import insert_ignore
from facilitator.store.models import NOTE_FORMATS, GroupSession, Note

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
