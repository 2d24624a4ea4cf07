"""Starting, resuming and ending sessions; attendance rules through the live-session service."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import select

from facilitator.common.clock import FakeClock
from facilitator.errors import UserError
from facilitator.program.groups import get_group
from facilitator.session.attendance import Outcome
from facilitator.session.lifecycle import start_or_resume
from facilitator.session.live import open_live
from facilitator.store.database import Database
from facilitator.store.models import Attendance, AuditEvent, GroupSession, Status

from .livefixtures import make_session


def test_run_resumes_the_live_session_instead_of_starting_another(
    database: Database, clock: FakeClock
) -> None:
    first = make_session(database, clock)
    with database.session() as db:
        opened = start_or_resume(
            db,
            group=get_group(db, "Tuesday Evening"),
            curriculum=None,
            topic=None,
            facilitator=None,
            now=clock.advance(minutes=30),
        )
    assert opened.resumed and opened.session_id == first


def test_next_session_proposes_the_next_topic_and_wraps(
    database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    topics = []
    for _ in range(3):
        live = open_live(database, session_id, clock=clock)
        topics.append(live.snapshot.session.topic_id)
        clock.advance(minutes=180)
        live.end()
        with database.session() as db:
            opened = start_or_resume(
                db,
                group=get_group(db, "Tuesday Evening"),
                curriculum=None,
                topic=None,
                facilitator="Sam",
                now=clock.advance(minutes=60 * 24),
            )
        assert not opened.resumed
        session_id = opened.session_id
    from facilitator.curriculum.catalog import discover

    ids = [t.id for t in discover().get("relapse-prevention").sessions]
    assert topics == ids[:3]
    live = open_live(database, session_id, clock=clock)
    assert live.snapshot.session.topic_id == ids[3]


def test_a_given_topic_and_an_unknown_topic(database: Database, clock: FakeClock) -> None:
    make_session(database, clock)
    live_id = None
    with database.session() as db:
        live_id = db.exec(select(GroupSession)).one().id
    open_live(database, live_id, clock=clock).end()
    with database.session() as db, pytest.raises(UserError, match="has no session 'nope'"):
        start_or_resume(
            db,
            group=get_group(db, "Tuesday Evening"),
            curriculum="relapse-prevention",
            topic="nope",
            facilitator=None,
            now=clock(),
        )


def test_check_in_is_exactly_once_and_keeps_the_first_time(
    database: Database, clock: FakeClock
) -> None:
    live = open_live(database, make_session(database, clock), clock=clock)
    clock.advance(minutes=2)
    first = live.check_in_code("avq1")
    clock.advance(minutes=5)
    again = live.check_in_code("AVQ-1", source="phone")
    assert first.outcome is Outcome.CHECKED_IN and again.outcome is Outcome.ALREADY
    assert again.attendance.checked_in_at == first.attendance.checked_in_at
    with database.session() as db:
        rows = db.exec(select(Attendance).where(Attendance.checked_in_at.is_not(None))).all()
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "checkin")).all()
    assert len(rows) == 1
    assert [e.detail["outcome"] for e in events] == ["checked-in", "already"]


def test_unknown_code_stores_nothing_but_the_attempt(database: Database, clock: FakeClock) -> None:
    live = open_live(database, make_session(database, clock), clock=clock)
    assert live.check_in_code("ZZZZ9").outcome is Outcome.UNKNOWN
    with database.session() as db:
        assert db.exec(select(Attendance).where(Attendance.checked_in_at.is_not(None))).all() == []
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "checkin.failed")).all()
    assert event.detail["code"] == "ZZZZ9"


def test_checked_out_member_can_come_back(database: Database, clock: FakeClock) -> None:
    live = open_live(database, make_session(database, clock), clock=clock)
    live.check_in_code("CAL3")
    pid = live.snapshot.roster[2].participant.id
    clock.advance(minutes=20)
    live.check_out(pid)
    assert live.snapshot.entry(pid).status is Status.LEFT_EARLY
    clock.advance(minutes=5)
    assert live.check_in_code("CAL3").outcome is Outcome.RETURNED
    assert live.snapshot.entry(pid).status is Status.PRESENT


def test_checking_out_someone_not_here_is_refused(database: Database, clock: FakeClock) -> None:
    live = open_live(database, make_session(database, clock), clock=clock)
    with pytest.raises(UserError, match="only a member who is checked in"):
        live.check_out(live.snapshot.roster[0].participant.id)


def test_end_marks_absent_and_stores_service_minutes_less_breaks(
    database: Database, clock: FakeClock
) -> None:
    live = open_live(database, make_session(database, clock), clock=clock)
    live.check_in_code("AVQ1")  # on time
    clock.advance(minutes=15)
    live.check_in_code("BLM2")  # late
    clock.advance(minutes=30)
    live.toggle_break()
    clock.advance(minutes=10)
    live.toggle_break()
    clock.advance(minutes=65)  # 120 minutes after the start
    live.end()
    after = {e.participant.name: e.attendance for e in live.snapshot.roster}
    assert after["Avery Quinn"].status == "present" and after["Avery Quinn"].minutes == 110
    assert after["Blake Moreno"].status == "late" and after["Blake Moreno"].minutes == 95
    assert after["Emery Zhou"].status == "absent" and after["Emery Zhou"].minutes == 0
    assert live.check_in_code("CAL3").outcome is Outcome.CLOSED


def test_walk_in_joins_the_group_and_is_checked_in(database: Database, clock: FakeClock) -> None:
    live = open_live(database, make_session(database, clock), clock=clock)
    person = live.add_walk_in("  Robin   Ashdown ")
    entry = live.snapshot.entry(person.id)
    assert person.name == "Robin Ashdown"
    assert entry.status is Status.PRESENT and entry.attendance.method == "walk-in"
    with pytest.raises(UserError):
        live.add_walk_in("   ")


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", db_url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_with_an_unknown_group_or_no_curriculum_exits_1(db_url: str) -> None:
    result = _cli(db_url, "run", "Nobody")
    assert result.returncode == 1 and "no group named 'Nobody'" in result.stderr
    assert "Traceback" not in result.stderr
    assert _cli(db_url, "group", "add", "Bare", "--timezone", "UTC").returncode == 0
    result = _cli(db_url, "run", "Bare")
    assert result.returncode == 1 and "choose one with --curriculum" in result.stderr
    result = _cli(db_url, "run", "Bare", "--curriculum", "no-such-thing")
    assert result.returncode == 1 and "unknown curriculum 'no-such-thing'" in result.stderr


def test_a_code_from_another_group_does_not_check_in_here(
    database: Database, clock: FakeClock
) -> None:
    from facilitator.program.groups import create_group
    from facilitator.program.roster import add_member

    live = open_live(database, make_session(database, clock), clock=clock)
    with database.session() as db:
        other = create_group(db, name="Other Group", timezone="UTC")
        add_member(db, other, name="Harper Stone", code="HST9")
    assert live.check_in_code("HST9").outcome is Outcome.UNKNOWN
    assert all(e.participant.name != "Harper Stone" for e in live.snapshot.roster)
