"""Corrections after the session: a member's status changed with a reason, before signing."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from facilitator.errors import UserError
from facilitator.session.attendance import ensure_correctable, set_status
from facilitator.store.audit import audit
from facilitator.store.models import Attendance, Group, GroupSession, Status

MAX_REASON = 500
"""The longest reason kept with a correction."""


def correct_status(
    db: Session,
    *,
    attendance_id: int,
    status: Status,
    reason: str,
    now: dt.datetime,
    actor: str = "",
) -> Attendance:
    """Correct a member's status after the session, with a reason; audited with both statuses."""
    from facilitator.common.text import one_line

    why = one_line(reason or "")[:MAX_REASON]
    if not why:
        raise UserError("a status correction needs a reason: nothing was changed")
    found = db.get(Attendance, attendance_id)
    session = db.get(GroupSession, found.session_id) if found is not None else None
    group = db.get(Group, session.group_id) if session is not None else None
    if found is None or session is None or group is None:
        raise UserError("that attendance record no longer exists")
    ensure_correctable(session)
    before = Status(found.status)
    if before is status:
        raise UserError(f"the status is already {status.word}: nothing was changed")
    who = {"participant_id": found.participant_id, "actor": actor}
    row = set_status(db, group=group, session=session, status=status, now=now, **who)
    detail = {"before": before.value, "after": status.value, "reason": why}
    audit(db, "attendance.correct", session_id=session.id, at=now, **who, **detail)
    db.flush()
    return row
