"""Cancelled meetings: a scheduled day on which the group did not meet, so nobody was absent."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.program.schedule import blocks_on
from facilitator.store.audit import audit
from facilitator.store.models import Cancellation, Group, GroupSession, SessionState

MAX_REASON = 200
"""A cancellation's reason is a short phrase (holiday, weather, staff)."""


def cancellation(db: Session, group: Group, day: dt.date) -> Cancellation | None:
    """The group's cancellation of `day`, if there is one."""
    return db.exec(
        select(Cancellation).where(
            Cancellation.group_id == group.id, Cancellation.local_date == day
        )
    ).first()


def cancel_meeting(
    db: Session, group: Group, day: dt.date, *, reason: str = "", actor: str = ""
) -> Cancellation:
    """Record that `group` did not meet on its scheduled `day` (a local date), and commit.

    Refused, with nothing written, when the group has no meeting scheduled that weekday, when a
    session of the group ran that day (void it from its record instead), or when the day is
    already cancelled.
    """
    assert group.id is not None
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise UserError(f"--reason: at most {MAX_REASON} characters (got {len(reason)})")
    if not blocks_on(group.meets, day):
        when = f"on {day:%A}s" if group.meets else "on any day (no schedule: set one with --meets)"
        raise UserError(f"{group.name} does not meet {when}: {day.isoformat()} is not scheduled")
    held = db.exec(
        select(GroupSession.id).where(
            GroupSession.group_id == group.id,
            GroupSession.local_date == day,
            col(GroupSession.state).in_([SessionState.LIVE.value, SessionState.ENDED.value]),
        )
    ).first()
    if held is not None:
        raise UserError(
            f"{group.name} has a session on {day.isoformat()}: a day with a session cannot be"
            " cancelled (void a mistaken session from its record instead)"
        )
    existing = cancellation(db, group, day)
    if existing is not None:
        because = f" ({existing.reason})" if existing.reason else ""
        raise UserError(f"{group.name} on {day.isoformat()} is already cancelled{because}")
    row = Cancellation(group_id=group.id, local_date=day, reason=reason or None, created_by=actor)
    db.add(row)
    audit(
        db,
        "meeting_cancelled",
        actor=actor,
        group_id=group.id,
        date=day.isoformat(),
        reason=reason or None,
    )
    db.commit()
    return row


def uncancel_meeting(db: Session, group: Group, day: dt.date, *, actor: str = "") -> None:
    """Take back a cancellation made by mistake (the day is scheduled again), and commit."""
    existing = cancellation(db, group, day)
    if existing is None:
        raise UserError(f"{group.name} on {day.isoformat()} is not cancelled")
    db.delete(existing)
    audit(db, "meeting_uncancelled", actor=actor, group_id=group.id, date=day.isoformat())
    db.commit()


def cancelled_days(
    db: Session, group_ids: list[int], date_from: dt.date, date_to: dt.date
) -> dict[int, set[dt.date]]:
    """Per group, the cancelled local dates within the inclusive range."""
    rows = db.exec(
        select(Cancellation.group_id, Cancellation.local_date).where(
            col(Cancellation.group_id).in_(group_ids),
            Cancellation.local_date >= date_from,
            Cancellation.local_date <= date_to,
        )
    ).all()
    result: dict[int, set[dt.date]] = {gid: set() for gid in group_ids}
    for group_id, day in rows:
        result[group_id].add(day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)))
    return result
