"""`run`'s first frame: the group's name and the live keys at once, the session once loaded."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

import aiohttp
import pytest
from sqlmodel import select
from textual.screen import Screen
from textual.widgets import Label
from textual.worker import WorkerCancelled

from facilitator.checkin.options import CheckinOptions
from facilitator.cli.context import AppState
from facilitator.cli.live_start import _bound, opening_app
from facilitator.common.clock import FakeClock
from facilitator.errors import UserError
from facilitator.screens.live import LiveScreen
from facilitator.screens.opening import OPENING, OpeningScreen
from facilitator.store.database import Database
from facilitator.store.models import AgendaRun, GroupSession
from facilitator.widgets.qr_panel import QRPanel

from .livefixtures import make_session
from .ptyapp import PtyApp
from .test_live_screen import roster_rows, screen_plain

SIZE = (120, 40)
USER = "Sam Facilitator"
RESUMING = "Resuming the group's unfinished session; --curriculum/--topic ignored."


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for the app's workers. The opening screen's worker may be cancelled as its screen is
    switched away (or the app ends) right after it posted its result: that is the outcome."""
    with contextlib.suppress(WorkerCancelled):
        await pilot.app.workers.wait_for_complete()


def _never(database: Database) -> Screen[None]:
    raise AssertionError("the person at the keyboard is known: nothing is asked")


def _app(db_url: str, start: Callable[..., str], port: int = 0):  # type: ignore[no-untyped-def]
    return opening_app(
        AppState(db_url=db_url),
        "Tuesday Evening",
        given=USER,
        start=start,
        live_screen=_never,
        checkin=CheckinOptions("127.0.0.1", port),
    )


async def test_first_frame_shows_the_group_and_keys_then_the_live_session(
    database: Database, db_url: str, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    release = threading.Event()

    def start(db: Database, name: str, warn: Callable[[str], object]) -> str:
        assert name == USER
        release.wait(30)  # the session is still loading while the test looks at the frame
        warn(RESUMING)
        return session_id

    app = _app(db_url, start)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OpeningScreen)
        title = str(app.screen.query_one("#title-bar", Label).content)
        assert "Tuesday Evening" in title and OPENING in title
        assert "Next" in screen_plain(app) and "End" in screen_plain(app)
        await pilot.press("n", "e", "y")  # no session to act on yet: nothing happens
        release.set()
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert "Avery Quinn" in roster_rows(app)
        assert app.keyboard_user == USER and app.database is not None
        assert "Resuming the group" in screen_plain(app)  # said on the screen, not lost
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None and session.state == "live"
        runs = db.exec(select(AgendaRun).where(AgendaRun.session_id == session_id)).all()
        assert not any(run.ended_at for run in runs)  # `n` before the screen was live did nothing


async def test_check_in_is_served_on_the_socket_bound_before_the_session_loaded(
    database: Database, db_url: str, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    app = _app(db_url, lambda *_args: session_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert app.screen.checkin is not None and app.screen.checkin.listening is not None
        bound = app.screen.checkin.listening.getsockname()[1]
        panel = app.screen.query_one(QRPanel)
        for _ in range(100):
            if panel.url:
                break
            await pilot.pause(0.02)
        assert panel.url is not None and f"127.0.0.1:{bound}/c/" in panel.url
        async with aiohttp.ClientSession() as http, http.get(panel.url) as response:
            assert response.status == 200


def test_a_taken_port_is_left_to_the_live_screen_which_says_so() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        options = CheckinOptions("127.0.0.1", port)
        assert _bound(options).listening is None  # the screen binds as before, and says why
    named = _bound(CheckinOptions("localhost", 0))
    assert named.listening is None  # a host name may stand for several addresses


async def test_a_problem_found_while_loading_ends_the_app_with_its_message(
    database: Database, db_url: str
) -> None:
    def start(*_args: object) -> str:
        raise UserError("no group named 'Nobody'")

    app = _app(db_url, start)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the loader ends the app
        await pilot.pause()
    assert app.return_code == 1  # the CLI prints the error as its one line
    assert str(app.error) == "no group named 'Nobody'"


def test_run_on_a_terminal_with_an_unknown_group_says_so_and_exits_1(
    database: Database, db_url: str, clock: FakeClock
) -> None:
    make_session(database, clock)
    app = PtyApp("--db", db_url, "run", "Nobody", "--checkin-port", "0")
    try:
        assert app.proc.wait(60) == 1
        output = app.read(0.3).decode(errors="replace")
    finally:
        app.close()
    assert "error: no group named 'Nobody'" in output and "Traceback" not in output
    with database.session() as db:
        assert len(db.exec(select(GroupSession)).all()) == 1  # nothing started


def test_the_first_frame_needs_no_database_or_web_library() -> None:
    code = (
        "import facilitator.cli, facilitator.app, facilitator.screens.opening\n"
        "import facilitator.cli.live_start, facilitator.checkin.options\n"
        "import sys, json; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    for heavy in ("sqlmodel", "sqlalchemy", "aiohttp", "pendulum", "pydantic"):
        assert heavy not in loaded, f"the first frame pulls in {heavy}"


@pytest.mark.parametrize("module", ["facilitator.program.staff"])
def test_validating_the_facilitator_name_stays_light(module: str) -> None:
    code = f"import {module}\nimport sys; print('sqlmodel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


class _Crashing(Screen[None]):
    def on_mount(self) -> None:
        member_code = "-".join(["QX7", "KPM"])  # a value the crash report must not show
        raise RuntimeError(f"failed after {len(member_code)} characters")


async def test_the_app_crash_report_still_shows_no_locals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from facilitator.app import FacilitatorApp

    app = FacilitatorApp(None, _Crashing)
    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            await pilot.pause()
    report = capsys.readouterr().err
    assert "Traceback" in report and "RuntimeError" in report
    assert "QX7-KPM" not in report


async def test_the_first_frame_has_the_keys_from_the_start() -> None:
    from facilitator.app import FacilitatorApp

    shown: list[str] = []
    release = threading.Event()

    class Watched(OpeningScreen):
        def on_mount(self) -> None:  # before the first refresh
            shown.append(str(self.query_one("#opening-keys", Label).content))

    class Loaded(Screen[None]):
        """What follows the first frame here."""

    def load() -> Callable[[], Screen[None]]:
        release.wait(30)
        return Loaded

    app = FacilitatorApp(None, lambda: Watched("Tuesday Evening", load))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert shown and all(key in shown[0] for key in ("n Next", "e End", "^q Quit"))
        release.set()
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, Loaded)
