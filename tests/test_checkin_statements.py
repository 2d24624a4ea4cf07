"""A phone check-in costs a few SQL statements (a batch shares them), and keeps every rule:
once only, late or present, back after leaving early, failed attempts logged, an audit event
each, one receipt per record, and only members on the session's own day."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from facilitator.checkin.attempt import SessionGone, attempt_check_in, attempt_check_ins, retrying
from facilitator.common.clock import FakeClock
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.session import attendance as att
from facilitator.session.attendance import Outcome
from facilitator.session.lifecycle import end_session
from facilitator.store.database import Database
from facilitator.store.models import (
    Attendance,
    AuditEvent,
    Group,
    GroupSession,
    Membership,
    Participant,
    Receipt,
    Status,
)

from .livefixtures import make_session

# Fictional people only.
MEMBERS = [(f"Test Member{i:02d}", f"TMC{i:03d}") for i in range(12)]
OUTSIDER = ("Rowan Ellery", "NV4GHK")  # a member of another group
PHONE = "192.0.2.7"


def start(database: Database, clock: FakeClock, scales: str | None = None) -> str:
    """A live session (started at the clock's now) of a group of MEMBERS asking `scales`,
    and another group with OUTSIDER; returns the session's id."""
    session_id = make_session(database, clock, members=MEMBERS)
    with database.session() as db:
        group = db.exec(select(Group).where(Group.name == "Tuesday Evening")).one()
        group.checkin_scales = scales
        db.add(group)
        other = create_group(db, name="Other Group", timezone="America/Chicago")
        add_member(db, other, name=OUTSIDER[0], code=OUTSIDER[1], joined=dt.date(2026, 11, 2))
    return session_id


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    """The SQL statements run on the database meanwhile (an executemany counts once)."""
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", count)


def record(database: Database, session_id: str, code: str) -> Attendance:
    with database.session() as db:
        return db.exec(
            select(Attendance)
            .join(Participant, col(Participant.id) == col(Attendance.participant_id))
            .where(Attendance.session_id == session_id, Participant.code == code)
        ).one()


def events(database: Database, session_id: str, action: str = "checkin") -> list[AuditEvent]:
    with database.session() as db:
        return list(
            db.exec(
                select(AuditEvent)
                .where(AuditEvent.session_id == session_id, AuditEvent.action == action)
                .order_by(col(AuditEvent.id))
            ).all()
        )


def receipts(database: Database, session_id: str) -> list[Receipt]:
    with database.session() as db:
        return list(db.exec(select(Receipt).where(Receipt.session_id == session_id)).all())


# -- statements --------------------------------------------------------------------------------


def test_one_phone_check_in_takes_three_statements(database: Database, clock: FakeClock) -> None:
    session_id = start(database, clock)
    attempt_check_in(database, session_id, MEMBERS[0][1], clock(), PHONE)  # warm caches
    with counted(database) as statements:
        answer = attempt_check_in(database, session_id, "tmc-001", clock(), PHONE)
    assert answer.result.outcome is Outcome.CHECKED_IN
    assert answer.first_name == "Test" and answer.receipt is None
    assert len(statements) <= 3, statements
    with counted(database) as statements:
        again = attempt_check_in(database, session_id, "TMC001", clock(), PHONE)
    assert again.result.outcome is Outcome.ALREADY and len(statements) <= 3, statements


def test_with_scales_a_check_in_and_its_receipt_take_four_and_a_repeat_three(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock, "craving,mood")
    attempt_check_in(database, session_id, MEMBERS[0][1], clock(), PHONE)
    with counted(database) as statements:
        answer = attempt_check_in(database, session_id, "TMC001", clock(), PHONE)
    assert answer.result.outcome is Outcome.CHECKED_IN
    assert answer.receipt is not None and answer.scale == "craving"
    # The read, the check-in, the new receipt, the audit event.
    assert len(statements) <= 4, statements
    with counted(database) as statements:
        again = attempt_check_in(database, session_id, "TMC001", clock(), PHONE)
    assert again.result.outcome is Outcome.ALREADY and again.receipt == answer.receipt
    assert len(statements) <= 3, statements


@pytest.mark.parametrize("scales", [None, "craving,mood"])
def test_a_batch_of_ten_shares_its_statements(
    database: Database, clock: FakeClock, scales: str | None
) -> None:
    session_id = start(database, clock, scales)
    attempt_check_in(database, session_id, MEMBERS[11][1], clock(), PHONE)
    codes = [(code, clock(), PHONE) for _name, code in MEMBERS[:10]]
    with counted(database) as statements:
        answers = attempt_check_ins(database, session_id, codes)
    assert [a.result.outcome for a in answers] == [Outcome.CHECKED_IN] * 10
    # The read, the check-ins, the receipts, the audit events (PostgreSQL reads the new
    # receipts back: psycopg counts no executemany): far below three a check-in.
    assert len(statements) <= 5, statements
    assert (len({a.receipt for a in answers}) == 10) == (scales is not None)
    with counted(database) as statements:
        again = attempt_check_ins(database, session_id, codes)
    assert [a.result.outcome for a in again] == [Outcome.ALREADY] * 10
    assert [a.receipt for a in again] == [a.receipt for a in answers]
    assert len(statements) <= 3, statements


# -- behaviour ---------------------------------------------------------------------------------


def test_a_repeat_keeps_the_first_time_and_each_attempt_is_audited(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock)
    first = clock()
    attempt_check_in(database, session_id, "TMC000", first, PHONE)
    clock.advance(minutes=20)
    again = attempt_check_in(database, session_id, "tmc 000", clock(), "192.0.2.8")
    assert again.result.outcome is Outcome.ALREADY
    row = record(database, session_id, "TMC000")
    assert row.checked_in_at == first and row.status is Status.PRESENT and row.method == "phone"
    assert again.result.attendance is not None
    assert again.result.attendance.checked_in_at == first
    logged = events(database, session_id)
    assert [(e.actor, e.at, e.detail) for e in logged] == [
        ("phone", first, {"method": "phone", "outcome": "checked-in", "source": PHONE}),
        ("phone", clock(), {"method": "phone", "outcome": "already", "source": "192.0.2.8"}),
    ]
    assert {e.participant_id for e in logged} == {row.participant_id}


def test_late_after_the_groups_minutes_present_before(database: Database, clock: FakeClock) -> None:
    session_id = start(database, clock)
    on_time = clock() + dt.timedelta(minutes=10)
    late = clock() + dt.timedelta(minutes=11)
    answers = attempt_check_ins(
        database, session_id, [("TMC000", on_time, PHONE), ("TMC001", late, PHONE)]
    )
    assert [a.result.attendance.status for a in answers if a.result.attendance] == [
        Status.PRESENT,
        Status.LATE,
    ]
    assert record(database, session_id, "TMC000").status is Status.PRESENT
    assert record(database, session_id, "TMC001").status is Status.LATE
    assert answers[1].first_time == "09:11"  # the group's zone, to the minute


def test_a_member_who_left_early_is_back_with_the_first_time(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock)
    first = clock() + dt.timedelta(minutes=15)
    attempt_check_in(database, session_id, "TMC002", first, PHONE)
    row = record(database, session_id, "TMC002")
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None
        att.check_out(
            db, session=session, participant_id=row.participant_id, now=first + dt.timedelta(1)
        )
    assert record(database, session_id, "TMC002").status is Status.LEFT_EARLY
    back = attempt_check_ins(
        database,
        session_id,
        [("TMC002", first + dt.timedelta(hours=1), PHONE), ("TMC002", first, PHONE)],
    )
    assert [a.result.outcome for a in back] == [Outcome.RETURNED, Outcome.ALREADY]
    row = record(database, session_id, "TMC002")
    assert row.status is Status.LATE and row.checked_in_at == first and row.checked_out_at is None
    assert [e.detail["outcome"] for e in events(database, session_id)] == [
        "checked-in",
        "returned",
        "already",
    ]


def test_unknown_codes_are_logged_and_check_no_one_in(database: Database, clock: FakeClock) -> None:
    session_id = start(database, clock)
    tries = ["ZZZZ9999", OUTSIDER[1], "x" * 80, "TMC000"]
    answers = attempt_check_ins(database, session_id, [(c, clock(), PHONE) for c in tries])
    assert [a.result.outcome for a in answers] == [Outcome.UNKNOWN] * 3 + [Outcome.CHECKED_IN]
    failed = events(database, session_id, "checkin.failed")
    assert [e.detail for e in failed] == [
        {"method": "phone", "code": "ZZZZ9999", "source": PHONE},
        {"method": "phone", "code": OUTSIDER[1], "source": PHONE},
        {"method": "phone", "code": "x" * 24, "source": PHONE},
    ]
    assert all(e.participant_id is None for e in failed)
    with database.session() as db:
        here = db.exec(
            select(Attendance).where(
                Attendance.session_id == session_id, col(Attendance.checked_in_at).is_not(None)
            )
        ).all()
    assert len(here) == 1


def test_only_a_member_on_the_sessions_own_day_checks_in(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock)
    with database.session() as db:
        group = db.exec(select(Group).where(Group.name == "Tuesday Evening")).one()
        add_member(db, group, name="Later Joiner", code="LATE2026", joined=dt.date(2026, 11, 17))
        gone = db.exec(
            select(Membership)
            .join(Participant, col(Participant.id) == col(Membership.participant_id))
            .where(Participant.code == "TMC005")
        ).one()
        gone.left = dt.date(2026, 11, 13)  # discharged the Friday before
        db.add(gone)
    answers = attempt_check_ins(
        database, session_id, [("LATE2026", clock(), PHONE), ("TMC005", clock(), PHONE)]
    )
    assert [a.result.outcome for a in answers] == [Outcome.UNKNOWN, Outcome.UNKNOWN]
    assert len(events(database, session_id, "checkin.failed")) == 2


def test_a_code_twice_in_one_batch_checks_in_once(database: Database, clock: FakeClock) -> None:
    session_id = start(database, clock, "craving")
    answers = attempt_check_ins(
        database, session_id, [("TMC003", clock(), PHONE), ("tmc-003", clock(), "192.0.2.9")]
    )
    assert [a.result.outcome for a in answers] == [Outcome.CHECKED_IN, Outcome.ALREADY]
    assert answers[0].receipt is not None and answers[1].receipt == answers[0].receipt
    assert len(receipts(database, session_id)) == 1


def test_no_receipt_once_the_scales_are_answered(database: Database, clock: FakeClock) -> None:
    session_id = start(database, clock, "craving,mood")
    attempt_check_in(database, session_id, "TMC004", clock(), PHONE)
    with database.session() as db:
        row = db.exec(
            select(Attendance)
            .join(Participant, col(Participant.id) == col(Attendance.participant_id))
            .where(Participant.code == "TMC004")
        ).one()
        row.craving = 3
        db.add(row)
    assert attempt_check_in(database, session_id, "TMC004", clock(), PHONE).receipt is None


def test_a_check_in_by_another_laptop_between_the_read_and_the_write_wins(
    database: Database, clock: FakeClock
) -> None:
    """The other laptop's check-in lands after this one read the record as not checked in:
    this one says already, with the other's time and receipt, and stores no second one."""
    session_id = start(database, clock, "craving,mood")
    theirs = clock() + dt.timedelta(minutes=1)
    other: list[str | None] = []

    def first_in(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO attendance") and not other:
            other.append(None)
            done = threading.Thread(
                target=lambda: other.append(
                    attempt_check_in(database, session_id, "TMC006", theirs, "192.0.2.10").receipt
                )
            )
            done.start()
            done.join()

    sa.event.listen(database.engine, "before_cursor_execute", first_in)
    try:
        ours = attempt_check_in(database, session_id, "TMC006", theirs + dt.timedelta(1), PHONE)
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", first_in)
    assert ours.result.outcome is Outcome.ALREADY
    assert ours.result.attendance is not None and ours.result.attendance.checked_in_at == theirs
    assert other[1] is not None and ours.receipt == other[1]
    assert len(receipts(database, session_id)) == 1
    assert record(database, session_id, "TMC006").checked_in_at == theirs


def test_two_threads_at_once_check_a_member_in_once(database: Database, clock: FakeClock) -> None:
    session_id = start(database, clock, "craving")
    barrier = threading.Barrier(4)
    answers: list[Outcome] = []
    tokens: set[str | None] = set()

    def phone(n: int) -> None:
        barrier.wait()
        now = clock() + dt.timedelta(seconds=n)
        answer = retrying(lambda: attempt_check_in(database, session_id, "TMC007", now, PHONE))
        answers.append(answer.result.outcome)
        tokens.add(answer.receipt)

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == sorted([Outcome.CHECKED_IN] + [Outcome.ALREADY] * 3)
    assert len(tokens) == 1 and len(receipts(database, session_id)) == 1
    assert [e.detail["outcome"] for e in events(database, session_id)].count("checked-in") == 1


def test_an_ended_session_checks_no_one_in_and_a_missing_one_is_gone(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock)
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None
        end_session(db, session=session, now=clock() + dt.timedelta(hours=3))
    answer = attempt_check_in(database, session_id, "TMC000", clock(), PHONE)
    assert answer.result.outcome is Outcome.CLOSED
    assert events(database, session_id) == []
    with pytest.raises(SessionGone):
        attempt_check_in(database, "no-such-session", "TMC000", clock(), PHONE)
