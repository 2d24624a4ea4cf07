"""The late-after cutoff, to the second: a member checking in exactly at the group's cutoff is
present; one second later, late. The same holds for a member who stepped out and came back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from facilitator.common.clock import FakeClock
from facilitator.session.attendance import Outcome, check_in, check_out
from facilitator.store.database import Database
from facilitator.store.models import Group, GroupSession, Method, Participant, Status

from .conftest import START
from .livefixtures import make_session

LATE_AFTER = dt.timedelta(minutes=10)  # the group default: late when more than 10 min in
SECOND = dt.timedelta(seconds=1)


def opened(db: Session, session_id: str) -> tuple[Group, GroupSession]:
    """The group and the session, as the check-in paths load them."""
    session = db.exec(select(GroupSession).where(GroupSession.id == session_id)).one()
    return db.exec(select(Group).where(Group.id == session.group_id)).one(), session


def arrive(
    database: Database, session_id: str, code: str, at: dt.datetime
) -> tuple[Outcome, Status]:
    """Type `code` at `at`, as the live screen and the phone page do; the outcome and status."""
    with database.session() as db:
        group, session = opened(db, session_id)
        assert dt.timedelta(minutes=group.late_after_minutes) == LATE_AFTER
        result = check_in(db, group=group, session=session, method=Method.CODE, now=at, code=code)
        assert result.attendance is not None
        return result.outcome, result.attendance.status


def leave(database: Database, session_id: str, code: str, at: dt.datetime) -> None:
    """Check the member with `code` out early at `at`."""
    with database.session() as db:
        _, session = opened(db, session_id)
        member = db.exec(select(Participant).where(Participant.code == code)).one()
        assert member.id is not None
        check_out(db, session=session, participant_id=member.id, now=at)


@pytest.fixture
def session_id(database: Database, clock: FakeClock) -> str:
    """A live session started at START, five fictional members (codes AVQ1, BLM2, ...)."""
    assert clock() == START
    return make_session(database, clock)


@pytest.mark.parametrize(
    ("after", "status"),
    [
        (dt.timedelta(0), Status.PRESENT),
        (LATE_AFTER - SECOND, Status.PRESENT),
        (LATE_AFTER, Status.PRESENT),
        (LATE_AFTER + SECOND, Status.LATE),
        (dt.timedelta(hours=2), Status.LATE),
    ],
    ids=["at-the-start", "a-second-before", "exactly-at-the-cutoff", "a-second-after", "2h-in"],
)
def test_late_only_after_the_cutoff(
    database: Database, session_id: str, after: dt.timedelta, status: Status
) -> None:
    assert arrive(database, session_id, "AVQ1", START + after) == (Outcome.CHECKED_IN, status)


@pytest.mark.parametrize(
    ("after", "status"),
    [(LATE_AFTER, Status.PRESENT), (LATE_AFTER + SECOND, Status.LATE)],
    ids=["exactly-at-the-cutoff", "a-second-after"],
)
def test_coming_back_keeps_the_status_of_the_first_arrival(
    database: Database, session_id: str, after: dt.timedelta, status: Status
) -> None:
    assert arrive(database, session_id, "BLM2", START + after) == (Outcome.CHECKED_IN, status)
    leave(database, session_id, "BLM2", START + dt.timedelta(minutes=40))
    back = arrive(database, session_id, "BLM2", START + dt.timedelta(minutes=55))
    assert back == (Outcome.RETURNED, status)
