"""Check-ins by personal code, a batch at a time, in a few prepared statements (phones).

One SELECT reads the session, its group and, for each code, the member (of the group on the
session's own day) with their attendance record and its receipts. One INSERT ... ON CONFLICT DO
UPDATE ... WHERE checked_in_at IS NULL checks them all in: only the first caller wins, from any
thread or laptop, and the rows stay locked until the commit, so nothing after it races. One
INSERT issues the receipts the greeting pages need, one records the audit events. A member back
after leaving early, or a record another laptop changed between the read and the write, costs
one statement more.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from facilitator.program import codes
from facilitator.program.roster import member_on
from facilitator.session.attendance import CheckInResult, Outcome, arrival_status
from facilitator.session.receipts import NEW, issue_receipts, receipt_due
from facilitator.store.audit import audit_row, audit_rows
from facilitator.store.models import (
    Attendance,
    Group,
    GroupSession,
    Membership,
    Method,
    Participant,
    Receipt,
    SessionState,
    Status,
)

CodeAttempt = tuple[str, dt.datetime, str | None]
"""One code as looked up (normalised), the time it came, and where from (an address)."""


@dataclass(frozen=True)
class CodeCheckIn:
    """What one code did, and the receipt its greeting page carries (None: nothing to ask)."""

    result: CheckInResult
    receipt: str | None = None


@dataclass(frozen=True)
class CodeBatch:
    """The session a batch went to, its group, and what each code did, in order."""

    session: GroupSession
    group: Group
    done: list[CodeCheckIn]


@dataclass
class _Member:
    """A member found by code, with their record (None: none yet) and its receipts."""

    participant: Participant
    row: Attendance | None
    receipts: list[tuple[str, dt.datetime | None]] = field(default_factory=list)
    at: dt.datetime | None = None
    """When their code first came in this batch."""
    outcome: Outcome = Outcome.ALREADY
    receipt: str | None = None


def check_in_codes(
    db: Session,
    session_id: str,
    attempts: Sequence[CodeAttempt],
    *,
    method: Method = Method.PHONE,
    actor: str = "phone",
    receipts: bool = True,
) -> CodeBatch | None:
    """Check in the members these codes are (each once; a repeat keeps the first time), and
    record the attempts of codes that are no member's; None when there is no such session.
    With `receipts`, each checked-in member gets the receipt their greeting page carries (a
    code typed at the laptop has no page)."""
    wanted = sorted({code for code, _at, _source in attempts if codes.is_valid(code)})
    rows = db.execute(_lookup(), {"session_id": session_id, "codes": wanted}).all()
    if not rows:
        return None
    session, group = rows[0][0], rows[0][1]
    if session.state != SessionState.LIVE:
        closed = [CodeCheckIn(CheckInResult(Outcome.CLOSED)) for _ in attempts]
        return CodeBatch(session, group, closed)
    found = _members(rows)
    for code, at, _source in attempts:
        if code in found and found[code].at is None:
            found[code].at = at
    by_id = {_pid(member): member for member in found.values()}
    _check_in(db, group, session, method, by_id)
    if receipts:
        _issue_receipts(db, group, session, by_id)
    return CodeBatch(session, group, _record(db, session, method, actor, attempts, found))


def _pid(member: _Member) -> int:
    assert member.participant.id is not None
    return member.participant.id


def _check_in(
    db: Session,
    group: Group,
    session: GroupSession,
    method: Method,
    by_id: dict[int, _Member],
) -> None:
    """The one conditional write that checks them in (in id order: no deadlock between two
    laptops), then the rare follow-ups: re-reading records changed meanwhile, and the return
    of members who had left early."""
    values = [
        {
            "session_id": session.id,
            "participant_id": pid,
            "status": arrival_status(group, session, member.at),
            "checked_in_at": member.at,
            "method": method.value,
            "minutes": 0.0,
        }
        for pid, member in sorted(by_id.items())
        if member.at is not None
    ]
    if not values:
        return
    connection = db.connection()
    for row in connection.execute(_upsert(connection.dialect.name), values):
        member = by_id[row.participant_id]
        member.row, member.outcome = Attendance(**row._asdict()), Outcome.CHECKED_IN
    changed = [
        pid
        for pid, member in by_id.items()
        if member.outcome is Outcome.ALREADY and not _checked_in(member.row)
    ]
    if changed:
        _reread(db, session.id, by_id, changed)
    for member in by_id.values():
        row = member.row
        if member.outcome is Outcome.ALREADY and row is not None and _left_early(row):
            assert row.checked_in_at is not None
            back = arrival_status(group, session, row.checked_in_at)
            returned = connection.execute(_back(), {"row_id": row.id, "back": back}).first()
            if returned is not None:
                member.row, member.outcome = Attendance(**returned._asdict()), Outcome.RETURNED


def _checked_in(row: Attendance | None) -> bool:
    return row is not None and row.checked_in_at is not None


def _left_early(row: Attendance) -> bool:
    return row.checked_in_at is not None and row.status is Status.LEFT_EARLY


def _reread(db: Session, session_id: str, by_id: dict[int, _Member], ids: list[int]) -> None:
    """Records another laptop checked in between the read and the write: as they are now."""
    for pid in ids:
        by_id[pid].receipts = []
    query = (
        sa.select(Attendance, Receipt.token, Receipt.used_at)
        .outerjoin(Receipt, col(Receipt.attendance_id) == col(Attendance.id))
        .where(col(Attendance.session_id) == session_id, col(Attendance.participant_id).in_(ids))
        .order_by(col(Receipt.created_at))
        .execution_options(populate_existing=True)
    )
    for row, token, used in db.execute(query):
        member = by_id[row.participant_id]
        member.row = row
        if token is not None:
            member.receipts.append((token, used))


def _issue_receipts(
    db: Session, group: Group, session: GroupSession, by_id: dict[int, _Member]
) -> None:
    """Each checked-in member's receipt: their open one, or a new one (all in one INSERT)."""
    new: dict[int, dt.datetime] = {}
    for member in by_id.values():
        assert member.row is not None
        member.receipt = receipt_due(group, member.row, member.receipts)
        if member.receipt == NEW:
            assert member.row.id is not None and member.at is not None
            new[member.row.id] = member.at
    if new:
        issued = issue_receipts(db, session.id, new)
        for member in by_id.values():
            if member.receipt == NEW:
                assert member.row is not None and member.row.id is not None
                member.receipt = issued.get(member.row.id)


def _record(
    db: Session,
    session: GroupSession,
    method: Method,
    actor: str,
    attempts: Sequence[CodeAttempt],
    found: dict[str, _Member],
) -> list[CodeCheckIn]:
    """Each attempt's answer, in order (a code's repeats in one batch: already), and its audit
    event, all in one INSERT."""
    sid = session.id
    done: list[CodeCheckIn] = []
    events: list[dict[str, object]] = []
    answered: set[int] = set()
    for code, at, source in attempts:
        member = found.get(code)
        if member is None:
            done.append(CodeCheckIn(CheckInResult(Outcome.UNKNOWN)))
            detail = {"method": method.value, "code": code[:24], "source": source}
            events.append(audit_row("checkin.failed", session_id=sid, at=at, **detail))
            continue
        pid = _pid(member)
        outcome = Outcome.ALREADY if pid in answered else member.outcome
        answered.add(pid)
        done.append(
            CodeCheckIn(CheckInResult(outcome, member.participant, member.row), member.receipt)
        )
        detail = {"method": method.value, "outcome": outcome.value, "source": source}
        events.append(
            audit_row("checkin", session_id=sid, participant_id=pid, actor=actor, at=at, **detail)
        )
    audit_rows(db, events)
    return done


def _members(rows: Sequence[Any]) -> dict[str, _Member]:
    """The lookup's rows by code: one member each, with their receipts oldest first."""
    found: dict[str, _Member] = {}
    for _session, _group, participant, row, token, used in rows:
        if participant is None:
            continue
        member = found.setdefault(participant.code, _Member(participant, row))
        if token is not None:
            member.receipts.append((token, used))
    return found


@functools.cache
def _lookup() -> sa.Select[Any]:
    """The session, its group, and each code's member on the session's day (`roster.member_on`,
    against the session's own date) with their record and receipts (`:session_id`, `:codes`);
    no row: no such session."""
    member = sa.exists().where(
        col(Membership.participant_id) == col(Participant.id),
        col(Membership.group_id) == col(GroupSession.group_id),
        member_on(col(GroupSession.local_date)),
    )
    code = col(Participant.code).in_(sa.bindparam("codes", expanding=True))
    record = sa.and_(
        col(Attendance.session_id) == col(GroupSession.id),
        col(Attendance.participant_id) == col(Participant.id),
    )
    return (
        sa.select(GroupSession, Group, Participant, Attendance, Receipt.token, Receipt.used_at)
        .join(Group, col(Group.id) == col(GroupSession.group_id))
        .outerjoin(Participant, sa.and_(code, member))
        .outerjoin(Attendance, record)
        .outerjoin(Receipt, col(Receipt.attendance_id) == col(Attendance.id))
        .where(col(GroupSession.id) == sa.bindparam("session_id"))
        .order_by(col(Receipt.created_at))
    )


@functools.cache
def _upsert(dialect: str) -> sa.Executable:
    """Create the record checked in, or check in an existing one not yet checked in; RETURNING
    the records this call checked in (the rest: already, and locked until the commit)."""
    table = Attendance.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=["session_id", "participant_id"],
        set_={
            "status": insert.excluded.status,
            "checked_in_at": insert.excluded.checked_in_at,
            "checked_out_at": sa.null(),
            "method": insert.excluded.method,
        },
        where=table.c.checked_in_at.is_(None),
    ).returning(*table.c)


@functools.cache
def _back() -> sa.Executable:
    """A member who left early is back (`:row_id`, status `:back`): once, RETURNING the record."""
    table = Attendance.__table__  # type: ignore[attr-defined]
    return (
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("row_id"),
            table.c.status == Status.LEFT_EARLY,
            table.c.checked_in_at.is_not(None),
        )
        .values(status=sa.bindparam("back", type_=table.c.status.type), checked_out_at=None)
        .returning(*table.c)
    )
