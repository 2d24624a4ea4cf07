"""Attendance: exactly-once check-in, status changes, check-out, service minutes.

Exactly-once is the database's job: one row per (session, member) by a unique constraint, and a
check-in is a conditional UPDATE that only the first caller wins, from any thread or process.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.store.audit import audit
from facilitator.store.database import insert_ignore
from facilitator.store.models import (
    Attendance,
    Break,
    Group,
    GroupSession,
    Method,
    Participant,
    SessionState,
    Status,
)

CYCLE = (Status.PRESENT, Status.LATE, Status.EXCUSED, Status.ABSENT)


class Outcome(enum.StrEnum):
    """What a check-in attempt did."""

    CHECKED_IN = "checked-in"
    RETURNED = "returned"  # checked out earlier, now back
    ALREADY = "already"
    UNKNOWN = "unknown"
    CLOSED = "closed"


@dataclass(frozen=True)
class CheckInResult:
    """The answer to a check-in attempt, for the screen, the phone page and the tests."""

    outcome: Outcome
    participant: Participant | None = None
    attendance: Attendance | None = None
    saved_at: float | None = None
    """When the transaction holding it had committed (monotonic), if the caller noted it: a
    screen's snapshot read after that moment already shows it."""

    @property
    def ok(self) -> bool:
        """The member is (now or already) checked in."""
        return self.outcome in (Outcome.CHECKED_IN, Outcome.RETURNED, Outcome.ALREADY)


def ensure_editable(session: GroupSession) -> None:
    """Signed sessions are locked: corrections go in addenda; void ones are closed."""
    if session.state == SessionState.VOID:
        raise UserError("this session is void: it was started by mistake and cannot change")
    if session.signed_at is not None:
        raise UserError(
            "this session is signed: its attendance and notes are locked (add an addendum)"
        )


def ensure_rows(db: Session, session_id: str, participant_ids: Iterable[int]) -> None:
    """Make sure each member has an attendance row (not yet checked in: absent)."""
    insert_ignore(
        db,
        Attendance.__table__,  # type: ignore[attr-defined]
        [
            {
                "session_id": session_id,
                "participant_id": pid,
                "status": Status.ABSENT,
                "minutes": 0.0,
            }
            for pid in participant_ids
        ],
        conflict=["session_id", "participant_id"],
    )


def get_row(db: Session, session_id: str, participant_id: int) -> Attendance:
    """The attendance row of a member in a session (created if missing), fresh and locked
    until the unit of work ends: a change made from it cannot overwrite another laptop's.

    (PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks and needs none: the INSERT in
    `ensure_rows` has already taken the database's one write lock.)
    """
    ensure_rows(db, session_id, [participant_id])
    return db.exec(
        select(Attendance)
        .where(Attendance.session_id == session_id, Attendance.participant_id == participant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def arrival_status(group: Group, session: GroupSession, at: dt.datetime) -> Status:
    """Late when checked in more than the group's late-after minutes after the start."""
    cutoff = session.started_at + dt.timedelta(minutes=group.late_after_minutes)
    return Status.LATE if at > cutoff else Status.PRESENT


def check_in(
    db: Session,
    *,
    group: Group,
    session: GroupSession,
    method: Method,
    now: dt.datetime,
    participant: Participant | None = None,
    code: str | None = None,
    actor: str = "",
    source: str | None = None,
) -> CheckInResult:
    """Check a member in once, given or found by personal code; repeats are harmless and keep
    the first time. A code that is no current member's is logged as a failed attempt."""
    if session.state != SessionState.LIVE:
        return CheckInResult(Outcome.CLOSED, participant)
    if participant is None:
        from facilitator.program.codes import normalise
        from facilitator.session.code_checkin import check_in_codes

        assert code is not None
        attempt = (normalise(code), now, source)
        batch = check_in_codes(
            db, session.id, [attempt], method=method, actor=actor, receipts=False
        )
        assert batch is not None  # the session is there: the caller holds it
        return batch.done[0].result
    assert participant.id is not None
    ensure_rows(db, session.id, [participant.id])
    status = arrival_status(group, session, now)
    result = db.exec(
        sa.update(Attendance)
        .where(
            col(Attendance.session_id) == session.id,
            col(Attendance.participant_id) == participant.id,
            col(Attendance.checked_in_at).is_(None),
        )
        .values(status=status, checked_in_at=now, checked_out_at=None, method=method.value)
    )
    outcome = Outcome.CHECKED_IN if result.rowcount == 1 else Outcome.ALREADY
    row = get_row(db, session.id, participant.id)
    if outcome is Outcome.ALREADY and row.status is Status.LEFT_EARLY:
        assert row.checked_in_at is not None
        row.status = arrival_status(group, session, row.checked_in_at)
        row.checked_out_at = None
        db.add(row)
        outcome = Outcome.RETURNED
    audit(
        db,
        "checkin",
        session_id=session.id,
        participant_id=participant.id,
        actor=actor,
        at=now,
        method=method.value,
        outcome=outcome.value,
        source=source,
    )
    db.flush()
    return CheckInResult(outcome, participant, row)


def set_status(
    db: Session,
    *,
    group: Group,
    session: GroupSession,
    participant_id: int,
    status: Status,
    now: dt.datetime,
    actor: str = "",
) -> Attendance:
    """Set a member's status by hand; times follow the status so service minutes stay honest."""
    ensure_editable(session)
    row = get_row(db, session.id, participant_id)
    before = row.status
    if status in (Status.EXCUSED, Status.ABSENT):
        row.checked_in_at = None
        row.checked_out_at = None
        row.method = None
    elif status in (Status.PRESENT, Status.LEFT_EARLY):
        # Marked by hand: there from the start unless a real check-in time says later; one who
        # left early left now.
        if row.checked_in_at is None:
            row.checked_in_at = min(now, session.started_at)
            row.method = Method.MANUAL.value
        row.checked_out_at = now if status is Status.LEFT_EARLY else None
    elif status is Status.LATE:
        if (
            row.checked_in_at is None
            or arrival_status(group, session, row.checked_in_at) is not Status.LATE
        ):
            # Live: they arrive now. A correction after the end has no arrival time: the first
            # minute that counts as late, so their service time is not lost altogether.
            late = session.started_at + dt.timedelta(minutes=group.late_after_minutes + 1)
            row.checked_in_at = now if session.ended_at is None else min(now, late)
            row.method = row.method or Method.MANUAL.value
        row.checked_out_at = None
    row.status = status
    _after_change(db, session, row)
    audit(
        db,
        "attendance.status",
        session_id=session.id,
        participant_id=participant_id,
        actor=actor,
        at=now,
        before=before.value,
        after=status.value,
        after_end=session.state == SessionState.ENDED,
    )
    db.add(row)
    db.flush()
    return row


def cycle_status(
    db: Session,
    *,
    group: Group,
    session: GroupSession,
    participant_id: int,
    now: dt.datetime,
    actor: str = "",
) -> Attendance:
    """present → late → excused → absent → present (left early → present)."""
    row = get_row(db, session.id, participant_id)
    current = row.status
    if row.checked_in_at is None and current is Status.ABSENT:
        following = Status.PRESENT
    elif current in CYCLE:
        following = CYCLE[(CYCLE.index(current) + 1) % len(CYCLE)]
    else:
        following = Status.PRESENT
    return set_status(
        db,
        group=group,
        session=session,
        participant_id=participant_id,
        status=following,
        now=now,
        actor=actor,
    )


def check_out(
    db: Session, *, session: GroupSession, participant_id: int, now: dt.datetime, actor: str = ""
) -> Attendance:
    """Check a member out early (left early). Only someone checked in can leave."""
    ensure_editable(session)
    row = get_row(db, session.id, participant_id)
    if row.checked_in_at is None or row.status not in (Status.PRESENT, Status.LATE):
        raise UserError("only a member who is checked in can be checked out")
    row.status = Status.LEFT_EARLY
    row.checked_out_at = now
    _after_change(db, session, row)
    audit(db, "checkout", session_id=session.id, participant_id=participant_id, actor=actor, at=now)
    db.add(row)
    db.flush()
    return row


def mark_all_present(
    db: Session,
    *,
    group: Group,
    session: GroupSession,
    participant_ids: Iterable[int],
    now: dt.datetime,
    actor: str = "",
) -> int:
    """Mark every member not yet checked in (and not excused) present; returns how many."""
    ensure_editable(session)
    ids = list(participant_ids)
    ensure_rows(db, session.id, ids)
    # Locked in one order (no deadlock between two laptops pressing `A`); on PostgreSQL a row
    # checked in meanwhile by someone else drops out of the selection when its lock is granted.
    rows = db.exec(
        select(Attendance)
        .where(
            Attendance.session_id == session.id,
            col(Attendance.participant_id).in_(ids),
            col(Attendance.checked_in_at).is_(None),
            Attendance.status == Status.ABSENT,
        )
        .order_by(col(Attendance.participant_id))
        .with_for_update()
    ).all()
    for row in rows:
        set_status(
            db,
            group=group,
            session=session,
            participant_id=row.participant_id,
            status=Status.PRESENT,
            now=now,
            actor=actor,
        )
    return len(rows)


def _overlap(a0: dt.datetime, a1: dt.datetime, b0: dt.datetime, b1: dt.datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def service_minutes(
    row: Attendance,
    session: GroupSession,
    breaks: Iterable[Break],
    *,
    now: dt.datetime | None = None,
) -> float:
    """The member's presence within the session's start–end, less the breaks, in minutes."""
    # Status(...): a row built in memory (not loaded) may hold the plain value.
    if row.checked_in_at is None or not Status(row.status).attended:
        return 0.0
    end = session.ended_at or now
    if end is None:
        return 0.0
    start = max(row.checked_in_at, session.started_at)
    stop = min(row.checked_out_at or end, end)
    if stop <= start:
        return 0.0
    seconds = (stop - start).total_seconds()
    for brk in breaks:
        seconds -= _overlap(start, stop, brk.started_at, brk.ended_at or end)
    return round(max(0.0, seconds) / 60.0, 2)


def _after_change(db: Session, session: GroupSession, row: Attendance) -> None:
    """Once a session has ended, keep stored service minutes in step with edits."""
    if session.state == SessionState.ENDED:
        breaks = db.exec(select(Break).where(Break.session_id == session.id)).all()
        row.minutes = service_minutes(row, session, breaks)


def ensure_correctable(session: GroupSession) -> None:
    """Changes after the end: only in an ended session that is neither signed nor void."""
    if session.state == SessionState.LIVE:
        raise UserError("this session is still live: live sessions are changed on the live screen")
    ensure_editable(session)
