"""Signing a session's record, and addenda: the only way to correct a signed record.

Signed notes are never edited (CMS Program Integrity Manual, ch. 3). Once a session is signed,
`attendance.ensure_editable` refuses every change to its attendance and notes; a correction is an
addendum kept beside the original, with its date, author and reason. Unsigned sessions are flagged
once they have been over for a day, and so are those in which a member who attended has no note.

Plain Python: no Textual, no Typer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from facilitator.common.timeutil import local_minute
from facilitator.errors import UserError
from facilitator.store.audit import audit
from facilitator.store.models import Addendum, Group, GroupSession, SessionState

MIN_PREFIX = 6
"""The shortest session id prefix `find_session` accepts (full UUIDs are long to type)."""

MAX_TEXT = 20_000
"""The longest addendum text."""

OVERDUE_HOURS = 24
"""Reviewers expect a record signed within a day of the session."""

_ID_CHARS = re.compile(r"^[0-9a-fA-F-]+$")


def find_session(db: Session, session_id: str) -> GroupSession:
    """The session with this id, or with this unique id prefix (at least 6 characters)."""
    wanted = session_id.strip().lower()
    if not wanted:
        raise UserError("a session id is needed")
    session = db.get(GroupSession, wanted)
    if session is not None:
        return session
    if len(wanted) >= MIN_PREFIX and _ID_CHARS.match(wanted):
        matches = db.exec(
            select(GroupSession).where(col(GroupSession.id).startswith(wanted)).limit(2)
        ).all()
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UserError(f"session id {session_id!r} is ambiguous: give more of it")
    raise UserError(f"no session {session_id!r}")


def _required(value: str, what: str) -> str:
    """`value` stripped; a UserError if it is blank."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise UserError(f"{what} is required")
    if "\x00" in cleaned:
        raise UserError(f"{what} contains a NUL character")
    return cleaned


def sign_session(db: Session, session_id: str, *, by: str, now: dt.datetime) -> GroupSession:
    """Sign an ended session once; from then on its attendance and notes are locked."""
    signer = _required(by, "the signer's name (--by)")
    session = find_session(db, session_id)
    if session.state != SessionState.ENDED or session.ended_at is None:
        raise UserError("the session has not ended yet: end it before signing")
    if session.signed_at is not None:
        group = db.get(Group, session.group_id)
        when = local_minute(session.signed_at, group.timezone if group else "UTC")
        raise UserError(
            f"the session is already signed by {session.signed_by} "
            f"({when}); corrections go in an addendum"
        )
    session.signed_by = signer
    session.signed_at = now
    db.add(session)
    audit(db, "session.sign", session_id=session.id, actor=signer, at=now)
    db.flush()
    return session


def add_addendum(
    db: Session, session_id: str, *, text: str, reason: str, author: str, now: dt.datetime
) -> Addendum:
    """Add a correction to a signed session; the original record stays as it was."""
    body = _required(text, "the addendum text (--text)")
    why = _required(reason, "the reason for the addendum (--reason)")
    who = _required(author, "the author's name (--by)")
    if len(body) > MAX_TEXT:
        raise UserError(f"the addendum text is longer than {MAX_TEXT} characters")
    session = find_session(db, session_id)
    if session.signed_at is None:
        raise UserError(
            "the session is not signed: its notes can still be edited in the session record "
            "(history → enter); addenda are for signed sessions"
        )
    addendum = Addendum(session_id=session.id, text=body, reason=why, author=who, created_at=now)
    db.add(addendum)
    db.flush()
    audit(db, "session.addendum", session_id=session.id, actor=who, at=now, addendum_id=addendum.id)
    db.flush()
    return addendum


def unsigned_overdue(
    db: Session, now: dt.datetime, hours: float = OVERDUE_HOURS
) -> list[GroupSession]:
    """Ended sessions still unsigned `hours` after they ended, oldest first."""
    cutoff = now - dt.timedelta(hours=hours)
    return list(
        db.exec(
            select(GroupSession)
            .where(
                GroupSession.state == SessionState.ENDED.value,
                col(GroupSession.signed_at).is_(None),
                col(GroupSession.ended_at) <= cutoff,
            )
            .order_by(col(GroupSession.ended_at), col(GroupSession.id))
        ).all()
    )


@dataclass(frozen=True)
class UnsignedCount:
    """What the home screen flags about unsigned sessions."""

    overdue: int
    """Ended sessions still unsigned a day after they ended."""

    missing_notes: int
    """Ended, unsigned sessions in which a member who attended has no progress note."""

    def __bool__(self) -> bool:
        return bool(self.overdue or self.missing_notes)

    def sentence(self) -> str:
        """The flag in words ("" when there is nothing to flag)."""
        parts = []
        if self.overdue:
            many = self.overdue != 1
            parts.append(
                f"{self.overdue} unsigned session{'s' if many else ''} "
                f"ended over {OVERDUE_HOURS} hours ago"
            )
        if self.missing_notes:
            many = self.missing_notes != 1
            parts.append(
                f"{self.missing_notes} session{'s have' if many else ' has'} members without a note"
            )
        return "; ".join(parts)


def unsigned_count(db: Session, now: dt.datetime, hours: float = OVERDUE_HOURS) -> UnsignedCount:
    """How many sessions are overdue for signing, and how many lack a member's note."""
    from facilitator.session.notes import sessions_missing_notes

    return UnsignedCount(len(unsigned_overdue(db, now, hours)), len(sessions_missing_notes(db)))
