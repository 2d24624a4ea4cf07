"""The one-time receipt of the phone's greeting page: the scales answered once (CONTRACT 10).

A receipt is random (192 bits), bound to one member's attendance in one session, good while that
session is live and until it is used (answered or skipped). A used, unknown or foreign receipt,
or a bad value, is refused with nothing stored.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import secrets
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.session.scales import check_values, scales_of, store_answers
from facilitator.store.audit import audit
from facilitator.store.models import Attendance, Group, GroupSession, Receipt, SessionState


class Refusal(enum.StrEnum):
    """Why an answer was refused (each its own page on the phone)."""

    UNKNOWN = "unknown"  # no such receipt, or one of another session
    USED = "used"  # answered (or skipped) already
    CLOSED = "closed"  # the session has ended
    BAD_VALUE = "bad-value"  # not a whole number 0-10, or a scale the group does not ask


class AnswerRefused(UserError):
    """An answer the receipt or its values do not allow; nothing was stored."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def new_receipt_token() -> str:
    """24 random bytes (192 bits), 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


NEW = ""
"""`receipt_due`: a new receipt is to be issued."""


def receipt_due(
    group: Group, attendance: Attendance, found: Sequence[tuple[str, dt.datetime | None]]
) -> str | None:
    """What a checked-in record's greeting carries, given its receipts as (token, used_at):
    None (nothing to ask: no scales, answered, or a receipt used), its open token, or `NEW`."""
    if attendance.checked_in_at is None or not scales_of(group):
        return None
    if attendance.craving is not None or attendance.mood is not None:
        return None
    if any(used is not None for _token, used in found):
        return None
    return found[0][0] if found else NEW


def issue_receipt(db: Session, attendance: Attendance, *, now: dt.datetime) -> str | None:
    """A receipt for the greeting page, or None when there is nothing to ask.

    None when the group asks no scales, the session is not live, the record is not checked in,
    or its answers were given (or skipped) already. A record's open receipt is given again (a
    member checking in twice gets the same one), so receipts never pile up.
    """
    session = db.get(GroupSession, attendance.session_id)
    if session is None or session.state != SessionState.LIVE:
        return None
    group = db.get(Group, session.group_id)
    if group is None or not scales_of(group):
        return None
    found = db.exec(
        select(Receipt.token, Receipt.used_at).where(Receipt.attendance_id == attendance.id)
    ).all()
    due = receipt_due(group, attendance, [(token, used) for token, used in found])
    if due != NEW:
        return due
    assert attendance.id is not None
    return issue_receipts(db, session.id, {attendance.id: now})[attendance.id]


@functools.cache
def _insert_if_none() -> sa.Insert:
    """INSERT a receipt unless the record has one already (the check is the database's)."""
    table = Receipt.__table__  # type: ignore[attr-defined]
    attendance_id = sa.bindparam("r_attendance", type_=table.c.attendance_id.type)
    values = sa.select(
        sa.bindparam("r_token", type_=table.c.token.type),
        attendance_id,
        sa.bindparam("r_session", type_=table.c.session_id.type),
        sa.bindparam("r_at", type_=table.c.created_at.type),
    ).where(~sa.exists().where(table.c.attendance_id == attendance_id))
    columns = ["token", "attendance_id", "session_id", "created_at"]
    return sa.insert(table).from_select(columns, values)


def issue_receipts(
    db: Session, session_id: str, wanted: Mapping[int, dt.datetime]
) -> dict[int, str | None]:
    """New receipts for these checked-in records of the session (attendance id: when), in one
    prepared INSERT; a record that got one meanwhile (another laptop) keeps that one (None if
    it is used)."""
    ids = sorted(wanted)
    tokens = {aid: new_receipt_token() for aid in ids}
    rows = [
        {"r_token": tokens[aid], "r_attendance": aid, "r_session": session_id, "r_at": wanted[aid]}
        for aid in ids
    ]
    if not rows:
        return {}
    connection = db.connection()
    if len(rows) == 1:
        inserted = connection.execute(_insert_if_none().returning(sa.literal(1)), rows[0]).all()
        if inserted:
            return dict(tokens)
    elif connection.execute(_insert_if_none(), rows).rowcount == len(rows):
        return dict(tokens)  # counted by SQLite; psycopg counts no executemany (-1): read back
    found = db.exec(
        select(Receipt.attendance_id, Receipt.token, Receipt.used_at)
        .where(col(Receipt.attendance_id).in_(ids))
        .order_by(col(Receipt.created_at))
    ).all()
    kept: dict[int, str | None] = {}
    for aid, token, used in found:
        if aid not in kept or used is not None:
            kept[aid] = token if used is None else None
    return kept


def receipt_scales(db: Session, session_id: str, token: str) -> tuple[str, ...]:
    """The scales a good receipt of this session may answer (refused as `answer` would be)."""
    _receipt, group = _open_receipt(db, session_id, token, lock=False)
    return scales_of(group)


def _open_receipt(db: Session, session_id: str, token: str, *, lock: bool) -> tuple[Receipt, Group]:
    """The unused receipt `token` of this live session, with its group (else AnswerRefused)."""
    query = select(Receipt).where(Receipt.token == token)
    if lock:
        query = query.with_for_update()
    receipt = db.exec(query.execution_options(populate_existing=True)).first()
    if receipt is None or not secrets.compare_digest(receipt.session_id, session_id):
        raise AnswerRefused(Refusal.UNKNOWN, "this answer form is not recognised")
    if receipt.used_at is not None:
        raise AnswerRefused(Refusal.USED, "these answers were given already")
    session = db.get(GroupSession, session_id)
    if session is None or session.state != SessionState.LIVE:
        raise AnswerRefused(Refusal.CLOSED, "this check-in has closed")
    group = db.get(Group, session.group_id)
    assert group is not None
    return receipt, group


def check_answers(scales: tuple[str, ...], values: Mapping[str, object]) -> dict[str, int | None]:
    """The values checked against the group's scales (AnswerRefused(BAD_VALUE) if not)."""
    try:
        return check_values(values, scales)
    except UserError as exc:
        raise AnswerRefused(Refusal.BAD_VALUE, str(exc)) from None


def answer(
    db: Session,
    session_id: str,
    token: str,
    values: Mapping[str, object],
    *,
    now: dt.datetime,
) -> Attendance:
    """Store the phone's answers once and use the receipt up (a skip stores no value).

    Refused (AnswerRefused, nothing stored) for an unknown receipt or one of another session, a
    used one, a session no longer live, or a value that is not a whole number 0-10 or is for a
    scale the group does not ask. Exactly once across threads and laptops: the receipt is used
    by a conditional UPDATE that only the first caller wins.
    """
    receipt, group = _open_receipt(db, session_id, token, lock=True)
    checked = check_answers(scales_of(group), values)
    won = db.exec(
        sa.update(Receipt)
        .where(col(Receipt.token) == receipt.token, col(Receipt.used_at).is_(None))
        .values(used_at=now)
    )
    if won.rowcount != 1:
        raise AnswerRefused(Refusal.USED, "these answers were given already")
    row = db.exec(
        select(Attendance)
        .where(Attendance.id == receipt.attendance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    answered = {scale: value for scale, value in checked.items() if value is not None}
    store_answers(row, answered)
    db.add(row)
    audit(
        db,
        "scales.answer",
        session_id=session_id,
        participant_id=row.participant_id,
        actor="phone",
        at=now,
        scales=sorted(answered),
    )
    db.flush()
    return row
