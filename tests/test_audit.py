"""The audit trail exported for reviewers: every kind of event, no half-written output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.store.audit import audit_lines, write_audit
from facilitator.store.database import Database

from .climembers import make_cli
from .historyfixtures import make_history


def test_audit_trail_records_check_ins_status_changes_and_session_ends(database: Database) -> None:
    make_history(database)
    with database.session() as db:
        lines = list(audit_lines(db, limit=None, newest_first=False))
    actions = [line.action for line in lines]
    assert actions.count("session.start") == 6 and actions.count("session.end") == 6
    assert "checkin" in actions and "attendance.status" in actions
    checkin = next(line for line in lines if line.action == "checkin")
    assert checkin.participant == "Avery Quinn" and checkin.detail["method"] == "code"


def test_audit_csv_and_json_exports(database: Database) -> None:
    make_history(database)
    with database.session() as db:
        out = io.StringIO()
        count = write_audit(audit_lines(db, limit=None), out, "csv")
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        assert rows[0] == ["at", "actor", "action", "session_id", "participant", "detail"]
        assert len(rows) == count + 1
        out = io.StringIO()
        assert write_audit(audit_lines(db, limit=None), out, "json") == count
        assert len(json.loads(out.getvalue())) == count
        empty = io.StringIO()
        assert write_audit(iter(()), empty, "json") == 0 and json.loads(empty.getvalue()) == []


def test_export_audit_cli_records_itself_and_rejects_bad_dates(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "facilitator", "--db", db_url, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert cli("group", "add", "Audit Group", "--timezone", "UTC").returncode == 0
    target = tmp_path / "audit.json"
    result = cli("export", "audit", "--format", "json", "--out", str(target))
    assert result.returncode == 0 and "Exported 1 audit events" in result.stdout
    assert [e["action"] for e in json.loads(target.read_text())] == ["group.create"]
    again = cli("export", "audit", "--format", "csv")
    assert again.returncode == 0 and "export.audit" in again.stdout
    bad = cli("export", "audit", "--format", "csv", "--to", "yesterday")
    assert bad.returncode == 1 and "not a date" in bad.stderr and "Traceback" not in bad.stderr


USER = "Sam Rivera, LCSW"


async def test_every_event_of_a_session_has_the_person_at_the_keyboard_as_actor(  # type: ignore[no-untyped-def]
    database: Database, db_url: str, monkeypatch
) -> None:
    """Start, check-in by code and by phone, status, note, agenda step, end, correction, sign and
    addendum, all done in the TUI: the exported audit trail names who did each one."""
    import asyncio
    import datetime as dt
    import getpass
    import os

    from facilitator.app import make_app
    from facilitator.checkin.attempt import attempt_check_in
    from facilitator.common.clock import FakeClock
    from facilitator.curriculum.catalog import discover
    from facilitator.program.groups import create_group
    from facilitator.program.roster import add_member
    from facilitator.program.staff import actor, save_user
    from facilitator.screens.live import LiveScreen
    from facilitator.screens.session_detail import SessionDetailScreen
    from facilitator.session.lifecycle import start_or_resume
    from facilitator.session.live import open_live
    from facilitator.store.models import GroupSession

    from .conftest import START
    from .livefixtures import MEMBERS

    monkeypatch.delenv("FACILITATOR_USER", raising=False)
    clock = FakeClock(START)
    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        save_user(db, USER)
        who = actor(db)
        group = create_group(
            db, name="Tuesday Evening", timezone="America/Chicago", curriculum_id=curriculum.id,
            actor=who,
        )  # fmt: skip
        for name, code in MEMBERS[:3]:
            add_member(db, group, name=name, code=code, joined=dt.date(2026, 11, 2), actor=who)
        # Started as `run` and the home screen start one: no facilitator given.
        started = start_or_resume(
            db, group=group, curriculum=None, topic=None, facilitator=None, now=clock()
        ).session_id
        assert db.get(GroupSession, started).facilitator == USER

    app = make_app(
        database, lambda: LiveScreen(open_live(database, started, clock=clock), exit_on_end=False)
    )
    assert app.keyboard_user == USER
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("c", *"AVQ1", "enter", "escape")  # check-in by code
        await pilot.app.workers.wait_for_complete()
        await asyncio.to_thread(attempt_check_in, database, started, "BLM2", clock(), "phone-ip")
        await pilot.press("down", "down", "space")  # Casey: status set by hand
        await pilot.press("tab", *"Group talked about sleep.", "escape")  # a note
        await pilot.press("n")  # an agenda step
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e", "y")  # the end
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, LiveScreen)
        app.push_screen(SessionDetailScreen(database, started))
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("space")  # a correction after the session: status, reason, confirm
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"Was in the waiting room", "enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("s", "enter", "y")  # signed as the person at the keyboard
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("a", *"Casey left at 11:40.", "enter", *"Missed at the end", "enter")
        await pilot.pause()
        await pilot.press("enter")  # the author: the person at the keyboard
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    env = {k: v for k, v in os.environ.items() if k != "FACILITATOR_USER"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "facilitator",
            "--db",
            db_url,
            "export",
            "audit",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    by_action: dict[str, list[dict]] = {}
    for event in events:
        by_action.setdefault(event["action"], []).append(event)
    kinds = {
        "session.start",
        "checkin",
        "attendance.status",
        "attendance.correct",
        "note.create",
        "agenda.next",
        "session.end",
        "session.sign",
        "session.addendum",
    }
    assert kinds <= set(by_action), sorted(by_action)
    assert len(by_action["attendance.status"]) == 2  # during the session, and the correction
    methods = {e["detail"]["method"]: e["actor"] for e in by_action["checkin"]}
    assert methods == {"code": USER, "phone": "phone"}
    login = getpass.getuser()
    for event in events:
        assert event["actor"], event
        assert event["actor"] != login, event
        if event["detail"].get("method") != "phone":
            assert event["actor"] == USER, event


FORMULA_NAME = '=HYPERLINK("http://x","y")'  # a fictional "member" a spreadsheet would run


def test_export_audit_csv_writes_a_formula_like_name_as_text(
    database: Database,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with database.session() as db:
        group = create_group(db, name="Audit Group", timezone="UTC")
        add_member(db, group, name=FORMULA_NAME, code="FORM42")
    run = make_cli(db_url, monkeypatch, capsys)
    target = tmp_path / "audit.csv"
    result = run("export", "audit", "--format", "csv", "--out", str(target))
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    added = [row for row in rows if row["action"] == "member.add"]
    # The leading quote makes a spreadsheet show the cell as text, never run it.
    assert [row["participant"] for row in added] == ["'" + FORMULA_NAME]
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    # JSON is no spreadsheet: the name comes out exactly as stored.
    result = run("export", "audit", "--format", "json")
    assert result.code == 0, result.err
    names = [e["participant"] for e in json.loads(result.out) if e["action"] == "member.add"]
    assert names == [FORMULA_NAME]
