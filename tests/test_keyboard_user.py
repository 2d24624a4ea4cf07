"""The person at the keyboard: `--facilitator`, else FACILITATOR_USER, else the saved name, else
asked once by the TUI (and saved); never the operating system's login. And `run` needs a terminal.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Input, Label

from facilitator.app import make_app, make_live_app, make_unlock_app
from facilitator.common.clock import FakeClock
from facilitator.program.staff import UNNAMED, save_user, saved_user
from facilitator.screens.history import HistoryScreen
from facilitator.screens.home import HomeScreen
from facilitator.screens.live import LiveScreen
from facilitator.screens.name_screen import QUESTION, NameScreen
from facilitator.store.database import Database, open_database
from facilitator.store.models import AuditEvent, GroupSession

from .conftest import START
from .livefixtures import make_session
from .ptyapp import PtyApp

USER = "Sam Rivera, LCSW"
SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _nobody_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACILITATOR_USER", raising=False)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def saved(database: Database) -> str | None:
    with database.session() as db:
        return saved_user(db)


def cli(db_url: str, *args: str, **streams) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """The real entry point, nobody known; standard input and output pipes unless given."""
    env = {k: v for k, v in os.environ.items() if k != "FACILITATOR_USER"}
    streams = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, **streams}
    return subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", db_url, *args],
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        env=env,
        **streams,
    )


def sessions(database: Database) -> list[GroupSession]:
    with database.session() as db:
        return list(db.exec(select(GroupSession)).all())


# -- asked once, in the TUI ------------------------------------------------------------------------


async def test_the_tui_asks_the_name_once_saves_it_and_then_shows_its_first_screen(
    database: Database,
) -> None:
    app = make_app(database, lambda: HomeScreen(database), ask=True)
    assert app.keyboard_user == ""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, NameScreen)
        assert str(app.screen.query_one("#question", Label).content) == QUESTION
        await pilot.press("enter")  # nothing typed
        await settle(pilot)
        assert isinstance(app.screen, NameScreen)
        assert "your name is needed" in str(app.screen.query_one("#name-message", Label).content)
        assert saved(database) is None
        await pilot.press(*"  Sam   Rivera, LCSW ", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.keyboard_user == USER
    assert saved(database) == USER

    again = make_app(database, lambda: HomeScreen(database), ask=True)
    assert again.keyboard_user == USER
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, HomeScreen)  # not asked a second time


async def test_escape_on_the_name_screen_quits_with_a_reason_and_saves_nothing(
    database: Database,
) -> None:
    app = make_app(database, lambda: HomeScreen(database), ask=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"Sam", "escape")
        await settle(pilot)
    assert app.return_code == 1 and app.error is not None
    assert "no name given" in str(app.error) and "FACILITATOR_USER" in str(app.error)
    assert saved(database) is None


async def test_a_name_too_long_is_refused_on_the_screen(database: Database) -> None:
    app = make_app(database, lambda: HomeScreen(database), ask=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(Input).value = "x" * 121  # more than the box lets one type
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NameScreen)
        assert "at most 120" in str(app.screen.query_one("#name-message", Label).content)
    assert saved(database) is None


def test_given_beats_the_environment_which_beats_the_saved_name(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.session() as db:
        save_user(db, USER)
    assert make_app(database, lambda: HomeScreen(database), ask=True).keyboard_user == USER
    monkeypatch.setenv("FACILITATOR_USER", "Robin Ashdown, LPC")
    assert make_app(database, lambda: HomeScreen(database)).keyboard_user == "Robin Ashdown, LPC"
    given = make_app(database, lambda: HomeScreen(database), given="Jordan Vale, CADC")
    assert given.keyboard_user == "Jordan Vale, CADC"
    assert saved(database) == USER  # the environment and `given` are not saved


async def test_an_encrypted_database_asks_the_name_after_unlocking(tmp_path: Path) -> None:
    from facilitator.store import crypto
    from facilitator.store.crypto import Passphrase

    path = tmp_path / "locked.db"
    open_database(f"sqlite:///{path}").dispose()
    crypto.encrypt_file(path, Passphrase("correct horse battery"))
    app = make_unlock_app(f"sqlite:///{path}", path, HistoryScreen, ask=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"correct horse battery", "enter")
        await settle(pilot)
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*USER, "enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert app.keyboard_user == USER
    database = open_database(f"sqlite:///{path}", Passphrase("correct horse battery"))
    assert saved(database) == USER
    database.dispose()


async def test_a_live_app_never_asks_and_its_actor_is_never_empty(database: Database) -> None:
    clock = FakeClock(START)
    session_id = make_session(database, clock)
    app = make_live_app(database, session_id, clock=clock)
    assert app.keyboard_user == UNNAMED
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LiveScreen)
        await pilot.press("c", *"AVQ1", "enter")
        await settle(pilot)
    demo = make_live_app(database, session_id, clock=clock, actor="Demo Facilitator")
    assert demo.keyboard_user == "Demo Facilitator"
    async with demo.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c", *"BLM2", "enter")
        await settle(pilot)
    with database.session() as db:
        actors = [
            e.actor for e in db.exec(select(AuditEvent).where(AuditEvent.action == "checkin"))
        ]
    assert actors == [UNNAMED, "Demo Facilitator"]
    assert getpass.getuser() not in actors


# -- `run` from the command line -------------------------------------------------------------------


def test_run_without_a_terminal_refuses_in_one_line_and_starts_nothing(
    database: Database, db_url: str
) -> None:
    clock = FakeClock(START)
    make_session(database, clock)
    with database.session() as db:
        session = db.exec(select(GroupSession)).one()
        session.state = "ended"
        db.add(session)
    before = len(sessions(database))

    result = cli(db_url, "run", "Tuesday Evening", "--facilitator", USER)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "needs a terminal" in result.stderr
    assert result.stdout == ""
    # Output a terminal but input a pipe: refused the same way.
    master, slave = pty.openpty()
    try:
        piped = cli(db_url, "run", "Tuesday Evening", stdin=subprocess.PIPE, stdout=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert piped.returncode == 1 and "needs a terminal" in piped.stderr
    assert len(sessions(database)) == before
    assert all(s.state == "ended" for s in sessions(database))
    # The real problem, when there is one, comes first.
    unknown = cli(db_url, "run", "Nobody")
    assert unknown.returncode == 1 and "no group named 'Nobody'" in unknown.stderr


def test_run_refuses_an_empty_or_overlong_facilitator(database: Database, db_url: str) -> None:
    make_session(database, FakeClock(START))
    for bad, message in (("   ", "your name is needed"), ("x" * 121, "at most 120")):
        result = cli(db_url, "run", "Tuesday Evening", "--facilitator", bad)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("error: --facilitator: ") and message in result.stderr


@pytest.mark.slow
def test_run_asks_once_then_starts_with_that_name_and_never_asks_with_facilitator(
    database: Database, db_url: str
) -> None:
    make_session(database, FakeClock(START))
    with database.session() as db:
        session = db.exec(select(GroupSession)).one()
        session.state = "ended"
        db.add(session)
    nobody = {"FACILITATOR_USER": ""}

    app = PtyApp("--db", db_url, "run", "Tuesday Evening", "--checkin-port", "0", env=nobody)
    try:
        app.wait_for("Your name and credentials")
        app.type(USER + "\r")
        app.wait_for("Avery Quinn")
        app.wait_for("/c/")
        app.type("\x11")  # ctrl+q
        assert app.proc.wait(30) == 0
    finally:
        app.close()
    assert saved(database) == USER
    live = [s for s in sessions(database) if s.state == "live"]
    assert [s.facilitator for s in live] == [USER]
    assert getpass.getuser() not in {s.facilitator for s in sessions(database)}

    again = PtyApp("--db", db_url, "run", "Tuesday Evening", "--checkin-port", "0", env=nobody)
    try:
        again.wait_for("/c/")  # resumed at once
    finally:
        again.close()
    assert b"Your name and credentials" not in again.output

    with database.session() as db:
        live_now = db.get(GroupSession, live[0].id)
        live_now.state = "ended"
        live_now.ended_at = dt.datetime.now(dt.UTC)
        db.add(live_now)
        from facilitator.store.models import Setting

        db.delete(db.get(Setting, "keyboard_user"))
    named = PtyApp(
        "--db", db_url, "run", "Tuesday Evening", "--checkin-port", "0",
        "--facilitator", "Jordan Vale, CADC", env=nobody,
    )  # fmt: skip
    try:
        named.wait_for("/c/")
    finally:
        named.close()
    assert b"Your name and credentials" not in named.output
    newest = max(sessions(database), key=lambda s: s.started_at)
    assert newest.state == "live" and newest.facilitator == "Jordan Vale, CADC"
    assert saved(database) is None


@pytest.mark.slow
def test_demo_never_asks(tmp_path: Path) -> None:
    app = PtyApp("demo", env={"FACILITATOR_USER": "", "HOME": str(tmp_path)})
    try:
        app.wait_for("Demo Facilitator", timeout=40)
        app.wait_for("/c/", timeout=40)
        app.type("\x11")
        app.proc.wait(30)
    finally:
        app.close()
    assert b"Your name and credentials" not in app.output
