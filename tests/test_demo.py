"""`facilitator demo`: a throwaway database with a fictional group and a session under way,
deleted on exit; the real database is never opened."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from facilitator.app import FacilitatorApp
from facilitator.cli import main
from facilitator.cli.session import DEMO_USER
from facilitator.common.clock import FakeClock
from facilitator.demo import DEMO_CURRICULUM, DEMO_GROUP, DEMO_MEMBERS, build_demo
from facilitator.program.groups import create_group
from facilitator.screens.live import LiveScreen
from facilitator.session.live import LiveSession
from facilitator.store.database import Database, open_database
from facilitator.store.models import Group, Method, Participant, Status
from facilitator.widgets.qr_panel import CheckinURL

from .test_live_screen import roster_rows, screen_plain

SIZE = (120, 40)


def test_the_demo_is_a_live_session_twelve_minutes_in(database: Database, clock: FakeClock) -> None:
    session_id = build_demo(database, now=clock())
    snap = LiveSession(database, session_id, clock=clock).snapshot
    assert (snap.group.name, snap.group.timezone) == (DEMO_GROUP, "America/Chicago")
    assert snap.session.curriculum_id == DEMO_CURRICULUM
    assert snap.session.facilitator == "Demo Facilitator"
    assert clock() - snap.session.started_at == dt.timedelta(minutes=12)
    entries = {e.participant.name: e for e in snap.roster}
    assert sorted(entries) == sorted(DEMO_MEMBERS)
    status = {name: (e.status, e.attendance.method) for name, e in entries.items()}
    assert status == {
        "Ada Lindqvist": (Status.PRESENT, Method.PHONE),
        "Bruno Okafor": (Status.PRESENT, Method.CODE),
        "Carmen Ruiz-Vega": (Status.PRESENT, Method.PHONE),
        "Dmitri Sokolov": (Status.PRESENT, Method.CODE),
        "Elena Marchetti": (Status.LATE, Method.PHONE),  # 11 minutes in: after the 10-minute cutoff
        "Farid Haddad": (Status.EXCUSED, None),
        "Grace O'Connell": (Status.ABSENT, None),
        "Hiro Tanaka": (Status.ABSENT, None),
        "Imani Brooks": (Status.ABSENT, None),
    }
    assert [e.participant.name for e in snap.roster if e.waiting] == [
        "Grace O'Connell",
        "Hiro Tanaka",
        "Imani Brooks",
    ]
    assert snap.notes[None].text.startswith("Group opened with a check-in round")
    assert snap.agenda.current is not None and snap.agenda.current.position == 0


def digest(path: Path) -> str:
    """The file's bytes, hashed: the same digest means the file was not touched."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def real_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's own database (FACILITATOR_DB), with one group in it, closed."""
    path = tmp_path / "clinic.db"
    database = open_database(f"sqlite:///{path}")
    with database.session() as db:
        create_group(db, name="Real Group", timezone="America/Chicago")
    database.dispose()
    monkeypatch.setenv("FACILITATOR_DB", f"sqlite:///{path}")
    return path


def test_facilitator_demo_runs_on_a_throwaway_database_then_deletes_it(
    tmp_path: Path,
    real_database: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = digest(real_database)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen: dict[str, Any] = {}

    async def drive(app: FacilitatorApp) -> None:
        """A person at the demo: look at the roster, check Grace in by code, quit."""
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, LiveScreen)
            database = app.database
            assert database is not None
            seen["url"] = database.engine.url.database
            seen["user"], seen["throwaway"] = app.keyboard_user, app.throwaway
            seen["group"] = app.screen.live.snapshot.group.name
            seen["qr"] = app.screen.query_one(CheckinURL).url
            assert sorted(roster_rows(app)) == sorted(DEMO_MEMBERS)
            with database.session() as db:
                grace = db.exec(select(Participant).where(Participant.name == "Grace O'Connell"))
                code = grace.one().code
            await pilot.press("c", *code, "enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            seen["grace"] = roster_rows(app)["Grace O'Connell"][1]
            seen["screen"] = screen_plain(app)
            await pilot.press("ctrl+q")
            await pilot.pause()

    monkeypatch.setattr(FacilitatorApp, "run", lambda self, **_: asyncio.run(drive(self)))
    monkeypatch.setattr(sys, "argv", ["facilitator", "demo"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code in (0, None)
    assert capsys.readouterr().out == "Demo finished; its throwaway database has been deleted.\n"

    demo_file = Path(seen["url"])
    assert demo_file.parent.parent == scratch and demo_file.parent.name.startswith(
        "facilitator-demo-"
    )
    assert list(scratch.iterdir()) == []  # the throwaway folder is gone
    assert (seen["user"], seen["throwaway"], seen["group"]) == (DEMO_USER, True, DEMO_GROUP)
    assert seen["qr"].startswith("http://127.0.0.1:")  # phone check-in on this machine only
    assert seen["grace"] == "late"  # 12 minutes in: after the 10-minute cutoff
    # Beside the QR at 120 columns, a long name gives way (…) so the check-in time stays whole.
    assert re.search(r"Ada Lindqvist +present +\d\d:\d\d ", seen["screen"])
    assert re.search(r"Carmen Ruiz-… +present +\d\d:\d\d ", seen["screen"])
    # The user's database was never opened: same bytes, still only its own group.
    assert digest(real_database) == before
    database = open_database(f"sqlite:///{real_database}")
    try:
        with database.session() as db:
            assert [g.name for g in db.exec(select(Group)).all()] == ["Real Group"]
    finally:
        database.dispose()
