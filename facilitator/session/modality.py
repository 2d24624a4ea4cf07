"""Modality per attendance (CONTRACT 10): in person (default) or telehealth.

Set with `v` on the live roster, or corrected in the session record before signing; a member
attending by video is checked in by the facilitator, with the modality set at check-in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.session.attendance import CheckInResult, check_in, ensure_editable, get_row
from facilitator.store.audit import audit
from facilitator.store.conditions import in_dates
from facilitator.store.models import (
    Attendance,
    GroupSession,
    Modality,
    SessionState,
    Status,
)


def parse_modality(text: str | Modality) -> Modality:
    """`in_person` or `telehealth` (also `in-person`, any case); UserError otherwise."""
    value = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Modality(value)
    except ValueError:
        raise UserError(f"modality: {str(text)!r} is not in_person or telehealth") from None


def set_modality(
    db: Session,
    *,
    session: GroupSession,
    participant_id: int,
    modality: str | Modality,
    now: dt.datetime,
    actor: str = "",
) -> Attendance:
    """Set how a member attended (live, or ended and unsigned); audited with before and after."""
    wanted = parse_modality(modality)
    ensure_editable(session)
    row = get_row(db, session.id, participant_id)
    before = Modality(row.modality)
    if before is not wanted:
        row.modality = wanted.value
        db.add(row)
        change = {"before": before.value, "after": wanted.value}
        ended = session.state == SessionState.ENDED
        where = {"session_id": session.id, "participant_id": participant_id}
        audit(db, "attendance.modality", **where, actor=actor, at=now, **change, after_end=ended)
    db.flush()
    return row


def toggle_modality(
    db: Session, *, session: GroupSession, participant_id: int, now: dt.datetime, actor: str = ""
) -> Attendance:
    """The live `v` key: in person ↔ telehealth."""
    row = get_row(db, session.id, participant_id)
    following = Modality.IN_PERSON if row.modality == Modality.TELEHEALTH else Modality.TELEHEALTH
    return set_modality(
        db,
        session=session,
        participant_id=participant_id,
        modality=following,
        now=now,
        actor=actor,
    )


def check_in_with_modality(
    db: Session, *, modality: str | Modality, **check_in_args: Any
) -> CheckInResult:
    """`attendance.check_in` (same keyword arguments), then the modality set on the record.

    For the facilitator checking in a member who attends by video (`modality="telehealth"`).
    """
    wanted = parse_modality(modality)
    result = check_in(db, **check_in_args)
    if result.ok and result.participant is not None and result.participant.id is not None:
        row = set_modality(
            db,
            session=check_in_args["session"],
            participant_id=result.participant.id,
            modality=wanted,
            now=check_in_args["now"],
            actor=check_in_args.get("actor", ""),
        )
        return CheckInResult(result.outcome, result.participant, row)
    return result


def telehealth_counts(
    db: Session,
    *,
    group_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[int, int]:
    """Per member: sessions attended by telehealth in the range (inclusive; ended sessions)."""
    import sqlalchemy as sa

    attended = [s.value for s in Status if s.attended]
    query = (
        select(Attendance.participant_id, sa.func.count())
        .join(GroupSession, col(GroupSession.id) == col(Attendance.session_id))
        .where(
            GroupSession.group_id == group_id,
            GroupSession.state == SessionState.ENDED.value,
            Attendance.modality == Modality.TELEHEALTH.value,
            col(Attendance.status).in_(attended),
        )
        .group_by(col(Attendance.participant_id))
    )
    query = query.where(*in_dates(col(GroupSession.local_date), date_from, date_to))
    return {int(pid): int(n) for pid, n in db.exec(query).all()}
