"""Importing the json export: exact round trip, idempotence, matching, every problem reported."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from facilitator.common.clock import FakeClock
from facilitator.errors import ManyErrors, UserError
from facilitator.exchange.importer import guess_timezone, import_sessions
from facilitator.program.roster import add_member
from facilitator.session.signing import add_addendum, sign_session
from facilitator.store.database import Database, open_database
from facilitator.store.models import (
    Addendum,
    AgendaRun,
    Attendance,
    AuditEvent,
    Break,
    Group,
    GroupSession,
    Membership,
    Note,
    Participant,
)

from .conftest import START
from .test_export import export_text, make_group, record_session

TABLES = (
    Group,
    Participant,
    Membership,
    GroupSession,
    AgendaRun,
    Break,
    Attendance,
    Note,
    Addendum,
)


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Database]:
    """A second, empty database (another laptop, or the clinic server)."""
    database = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    yield database
    database.dispose()


def counts(database: Database) -> dict[str, int]:
    with database.session() as db:
        return {
            model.__name__: db.exec(select(sa.func.count()).select_from(model)).one()
            for model in TABLES
        }


def two_sessions(database: Database, clock: FakeClock) -> list[str]:
    """A signed session with an addendum, and an unsigned one in another group a day later."""
    first = record_session(database, clock)
    with database.session() as db:
        sign_session(db, first.session_id, by="Jordan Rivers, LCSW", now=clock.advance(120))
        add_addendum(
            db, first.session_id, text="Blake arrived at 09:12.", reason="Time copied wrong",
            author="Jordan Rivers, LCSW", now=clock.advance(minutes=30),
        )  # fmt: skip
    clock.current = START + dt.timedelta(days=1)
    second = record_session(database, clock, group_name="Morning IOP")
    return [first.session_id, second.session_id]


def export_file(database: Database, path: Path) -> str:
    text = export_text(database, "json")
    path.write_text(text, encoding="utf-8")
    return text


def test_round_trip_is_exact(database: Database, other: Database, tmp_path: Path) -> None:
    two_sessions(database, FakeClock(START))
    path = tmp_path / "sessions.json"
    original = export_file(database, path)

    with other.session() as db:
        result = import_sessions(db, path)
    assert (result.imported, result.skipped) == (2, 0)
    assert sorted(result.groups_created) == [
        ("Evening IOP", "America/Chicago"), ("Morning IOP", "America/Chicago"),
    ]  # fmt: skip
    assert export_text(other, "json") == original

    # The data behind it, too: signatures, addenda, codes, service minutes, local dates.
    with other.session() as db:
        signed = db.exec(select(GroupSession).where(col_signed())).one()
        assert signed.signed_by == "Jordan Rivers, LCSW"
        assert db.exec(select(Addendum)).one().reason == "Time copied wrong"
        avery = db.exec(select(Participant).where(Participant.external_id == "EHR-1001")).one()
        assert avery.code == "AVERY1"
        joined = db.exec(select(Membership).where(Membership.participant_id == avery.id)).one()
        assert joined.joined == dt.date(2026, 11, 16)
        assert {s.local_date for s in db.exec(select(GroupSession))} == {
            dt.date(2026, 11, 16), dt.date(2026, 11, 17),
        }  # fmt: skip
        assert all(s.state == "ended" for s in db.exec(select(GroupSession)))
    # And a CSV of the imported copy has the same attendance rows.
    assert export_text(other, "csv").count("\r\n") == export_text(database, "csv").count("\r\n")


def col_signed() -> Any:
    return GroupSession.signed_at.is_not(None)  # type: ignore[union-attr]


def test_importing_twice_adds_nothing(database: Database, other: Database, tmp_path: Path) -> None:
    two_sessions(database, FakeClock(START))
    path = tmp_path / "sessions.json"
    export_file(database, path)
    with other.session() as db:
        import_sessions(db, path)
    before = counts(other)
    with other.session() as db:
        again = import_sessions(db, path)
    assert (again.imported, again.skipped) == (0, 2)
    assert counts(other) == before
    # Back into the database it came from: everything is already there.
    origin = counts(database)
    with database.session() as db:
        assert import_sessions(db, path).skipped == 2
    assert counts(database) == origin
    with other.session() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert [e.detail["sessions"] for e in events] == [2, 0]


def test_members_are_matched_not_duplicated(
    database: Database, other: Database, tmp_path: Path
) -> None:
    """The clinic server knows the group: members match by external id, code, then name."""
    record_session(database, FakeClock(START))
    path = tmp_path / "sessions.json"
    export_file(database, path)
    with other.session() as db:
        group = db.exec(select(Group)).first()
        assert group is None
    ids = make_group(other)  # the same people, but codes generated here (except two)
    with other.session() as db:
        # Someone in another group already holds a code from the file.
        from facilitator.program.groups import create_group

        family = create_group(db, name="Family Group", timezone="America/Chicago")
        taken = add_member(db, family, name="Sam Other", code="ZZZZ99")
        stranger_code = taken.participant.code
        # Casey's membership was recorded here as starting after the imported session.
        casey = db.exec(
            select(Membership).where(Membership.participant_id == ids["Casey Lindqvist"])
        ).one()
        casey.joined = dt.date(2026, 11, 20)
        db.add(casey)
    data = json.loads(path.read_text(encoding="utf-8"))
    for row in data[0]["attendance"]:
        if row["name"] == "Riley Walker":
            row["code"] = stranger_code  # the walk-in's code is someone else's here
    path.write_text(json.dumps(data), encoding="utf-8")

    before = counts(other)
    with other.session() as db:
        result = import_sessions(db, path)
    assert result.imported == 1 and result.groups_created == []
    assert result.members_created == 1  # only the walk-in is new
    after = counts(other)
    assert after["Participant"] == before["Participant"] + 1
    with other.session() as db:
        rows = db.exec(select(Attendance)).all()
        assert {r.participant_id for r in rows} >= set(ids.values())
        riley = db.exec(select(Participant).where(Participant.name == "Riley Walker")).one()
        assert riley.code != stranger_code  # a fresh code, not Sam's
        membership = db.exec(select(Membership).where(Membership.participant_id == riley.id)).one()
        assert membership.joined == dt.date(2026, 11, 16)
        casey = db.exec(
            select(Membership).where(Membership.participant_id == ids["Casey Lindqvist"])
        ).one()
        assert casey.joined == dt.date(2026, 11, 16)  # moved back to the imported session
        avery = db.exec(
            select(Membership).where(Membership.participant_id == ids["Avery Quinn"])
        ).one()
        assert avery.joined == dt.date(2026, 11, 2)  # already earlier: kept


def test_broken_file_reports_every_problem_and_imports_nothing(
    database: Database, other: Database, tmp_path: Path
) -> None:
    two_sessions(database, FakeClock(START))
    good = json.loads(export_text(database, "json"))
    bad = copy.deepcopy(good)
    bad[0]["attendance"][2]["status"] = "tardy"
    bad[0]["attendance"][3]["minutes"] = "ninety"
    del bad[0]["agenda"][1]["kind"]
    bad[0]["notes"][0]["mood"] = "fine"
    bad[1]["started_at"] = "yesterday"
    bad[1]["breaks"][0]["ended_at"] = "2026-11-17T10:33:00"  # no offset
    bad[1]["id"] = "not-a-uuid"
    bad.append(copy.deepcopy(good[1]))
    bad.append(copy.deepcopy(good[1]))  # the same session twice
    bad.append("a string")
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(bad, indent=2), encoding="utf-8")

    with other.session() as db, pytest.raises(ManyErrors) as caught:
        import_sessions(db, path)
    problems = caught.value.problems
    expected = [
        f"{path}: [0].attendance[2].status: 'tardy' is not one of present, late, excused, "
        "absent, left_early",
        f"{path}: [0].attendance[3].minutes: must be a number, not 'ninety'",
        f"{path}: [0].agenda[1]: missing required key 'kind'",
        f"{path}: [0].notes[0].mood: unknown key 'mood'",
        f"{path}: [1].started_at: 'yesterday' is not an ISO 8601 time",
        f"{path}: [1].breaks[0].ended_at: '2026-11-17T10:33:00' has no UTC offset",
        f"{path}: [1].id: 'not-a-uuid' is not a UUID",
        f"{path}: [3].id: session {good[1]['id']} is also at [2]",
        f"{path}: [4]: must be an object, not 'a string'",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected)
    assert counts(other) == dict.fromkeys(counts(other), 0)


def test_consistency_problems(other: Database, database: Database, tmp_path: Path) -> None:
    two_sessions(database, FakeClock(START))
    data = json.loads(export_text(database, "json"))
    data[1]["addenda"] = [
        {"text": "x", "reason": "y", "author": "z", "created_at": data[1]["ended_at"]}
    ]
    data[1]["ended_at"] = None
    data[1]["attendance"][1]["external_id"] = data[1]["attendance"][2]["external_id"] = "SAME"
    data[1]["notes"][1]["fields"]["Mood"] = "ok"
    path = tmp_path / "inconsistent.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with other.session() as db, pytest.raises(ManyErrors) as caught:
        import_sessions(db, path)
    text = "\n".join(caught.value.problems)
    assert "[1].ended_at: the session has not ended" in text
    assert "[1].addenda: addenda belong to a signed session" in text
    assert "[1].attendance[2].external_id: 'SAME' is also at attendance[1]" in text
    assert "[1].notes[1].fields.Mood: 'Mood' is not a DAP heading" in text
    assert len(caught.value.problems) == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[\n  {"id": 1,\n  }\n]', ":3: "),
        (b"[]\n\xff\xfe", ":2: not UTF-8"),
        (b'{"sessions": []}', ": expected a JSON list of sessions"),
        (b"   \n", ": the file is empty"),
        (b"[NaN]", ": NaN is not allowed"),
    ],
)
def test_unreadable_files(other: Database, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with other.session() as db, pytest.raises(UserError) as caught:
        import_sessions(db, path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_empty_list_imports_nothing(other: Database, tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("[]\n")
    with other.session() as db:
        result = import_sessions(db, path)
    assert (result.imported, result.skipped) == (0, 0)


def test_guess_timezone() -> None:
    chicago_winter = dt.datetime.fromisoformat("2026-11-16T09:00:00-06:00")
    chicago_summer = dt.datetime.fromisoformat("2026-07-16T09:00:00-05:00")
    assert guess_timezone([chicago_winter, chicago_summer]) == "America/Chicago"
    berlin = dt.datetime.fromisoformat("2026-07-16T09:00:00+02:00")
    assert guess_timezone([berlin, dt.datetime.fromisoformat("2026-01-16T09:00:00+01:00")]) in {
        "Europe/Paris", "Europe/Berlin",
    }  # fmt: skip
    kathmandu = dt.datetime.fromisoformat("2026-07-16T09:00:00+05:45")
    assert guess_timezone([kathmandu]) == "Asia/Kathmandu"


def test_cli_import(tmp_path: Path, database: Database) -> None:
    two_sessions(database, FakeClock(START))
    path = tmp_path / "sessions.json"
    export_file(database, path)
    url = f"sqlite:///{tmp_path / 'server.db'}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "facilitator", "--db", url, "import", "sessions", *args],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )  # fmt: skip

    first = run(str(path))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Imported 2 sessions (0 already present)"
    second = run(str(path))
    assert second.stdout.strip() == "Imported 0 sessions (2 already present)"

    broken = tmp_path / "broken.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data[0]["attendance"][0]["status"] = "tardy"
    data[1]["facilitator"] = 7
    broken.write_text(json.dumps(data), encoding="utf-8")
    refused = run(str(broken))
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert lines == [
        f"{broken}: [0].attendance[0].status: 'tardy' is not one of present, late, excused, "
        "absent, left_early",
        f"{broken}: [1].facilitator: must be a string, not 7",
    ]
