"""Another program holds SQLite's write lock for 15 seconds in the middle of a session: the live
screen keeps ticking and answering keys, and a code typed at the laptop and a phone's check-in
made during the lock are both saved once it is released (issue: a locked database loses nothing).

This test waits in real time on purpose: the lock is held by a separate process for the 15
seconds the acceptance names, at the product's real busy timeout.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable

import aiohttp
import pytest

from facilitator.app import make_live_app
from facilitator.checkin.options import CheckinOptions
from facilitator.common.clock import FakeClock
from facilitator.store.database import Database
from facilitator.store.engine import sqlite_file
from facilitator.widgets.agenda_panel import countdown_text

from .livefixtures import make_session
from .test_live_screen import attendance, roster_rows, screen_text

SIZE = (140, 45)
HOLD_SECONDS = 15
HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
print("released", flush=True)
"""


async def until(pilot, condition: Callable[[], bool], what: str, bound: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.05)


def countdown(app) -> str:  # type: ignore[no-untyped-def]
    live = app.screen.live
    return countdown_text(live.snapshot.agenda.current, live.clock())


@pytest.mark.sqlite_only(reason="another process holds SQLite's write lock")
async def test_a_fifteen_second_lock_from_another_program_loses_no_check_in(
    db_url: str, database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    path = sqlite_file(db_url)
    assert path is not None
    app = make_live_app(database, session_id, clock=clock, checkin=CheckinOptions("127.0.0.1", 0))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        panel = app.screen.query_one("QRPanel")
        await until(pilot, lambda: bool(panel.url), "the check-in server started", 5.0)
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), str(HOLD_SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"
            locked_at = time.monotonic()

            async def phone() -> tuple[int, str]:
                async with (
                    aiohttp.ClientSession() as http,
                    http.post(panel.url, data={"code": "emz-5"}) as response,
                ):
                    return response.status, await response.text()

            phoning = asyncio.create_task(phone())
            await pilot.press("c", *"AVQ1", "enter", "escape")  # typed at the laptop
            await until(
                pilot,
                lambda: "waiting to save" in screen_text(app, "#roster-warning"),
                "the typed check-in shown as waiting",
                5.0,
            )
            # While the lock is held the screen keeps ticking and answering keys.
            seen = set()
            while time.monotonic() - locked_at < HOLD_SECONDS - 3:
                clock.advance(seconds=30)
                await pilot.pause(0.5)
                seen.add(countdown(app))
                assert holder.poll() is None, "the lock was released too early"
            assert len(seen) >= 10, seen
            await pilot.press("P")
            await until(pilot, lambda: app.screen.privacy, "privacy mode on", 2.0)
            await pilot.press("P")
            assert not phoning.done()  # the phone waits for the lock, it is not refused
            assert attendance(database, session_id)["Avery Quinn"].checked_in_at is None

            assert holder.wait(timeout=HOLD_SECONDS) == 0
            status, body = await asyncio.wait_for(phoning, timeout=15)
            assert status == 200 and "Emery" in body
            await until(
                pilot,
                lambda: (
                    roster_rows(app)["Avery Quinn"][1] == "present"
                    and roster_rows(app)["Emery Zhou"][1] == "present"
                ),
                "both check-ins on the roster",
                15.0,
            )
            await pilot.app.workers.wait_for_complete()
            await until(pilot, lambda: screen_text(app, "#roster-warning") == "", "all saved", 5.0)
        finally:
            holder.kill()
            holder.wait()
    rows = attendance(database, session_id)
    assert rows["Avery Quinn"].method == "code" and rows["Avery Quinn"].status == "present"
    assert rows["Emery Zhou"].method == "phone" and rows["Emery Zhou"].status == "present"


@pytest.mark.sqlite_only(reason="holds SQLite's write lock from a second connection")
@pytest.mark.parametrize("again", [False, True], ids=["waits", "quits-without"])
async def test_quitting_while_changes_wait_for_the_database(  # type: ignore[no-untyped-def]
    db_url: str,
    database: Database,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    again: bool,
) -> None:
    import sqlite3

    import facilitator.screens.work_queue as work_queue
    import facilitator.store.engine as engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(work_queue, "RETRY_EVERY", 0.05)
    session_id = make_session(database, clock)
    busy = Database(db_url)
    path = sqlite_file(db_url)
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    app = make_live_app(busy, session_id, clock=clock)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            holder.execute("BEGIN IMMEDIATE")
            await pilot.press("c", *"AVQ1", "enter", "escape")
            await until(
                pilot,
                lambda: "waiting to save" in screen_text(app, "#roster-warning"),
                "the check-in waiting",
                5.0,
            )
            await pilot.press("ctrl+q")
            await pilot.pause()
            said = " ".join(n.message for n in app._notifications)
            assert "1 change waiting for the database: quitting once saved" in said
            await pilot.press("P")  # the screen still answers while it waits
            await until(pilot, lambda: app.screen.privacy, "privacy mode on", 2.0)
            assert app.is_running
            if again:
                await pilot.press("ctrl+q")
            else:
                holder.execute("COMMIT")
            await until(pilot, lambda: not app.is_running, "the app quit", 10.0)
    finally:
        if holder.in_transaction:
            holder.execute("COMMIT")
        holder.close()
        busy.dispose()
    saved = attendance(database, session_id)["Avery Quinn"].checked_in_at is not None
    told = " ".join((lambda out: out.err + out.out)(capsys.readouterr()).split())
    if again:
        assert app.return_code == 1 and not saved
        assert "1 change could not be saved: the database stayed busy." in told
    else:
        assert app.return_code == 0 and saved
        assert "Session kept" in told
