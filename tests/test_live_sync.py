"""The live screen and the database: a locked database freezes nothing and loses nothing, and
other laptops' changes reach every open screen of the session (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable

import aiohttp
import pytest

import facilitator.screens.live_sync as live_sync
import facilitator.screens.work_queue as work_queue
import facilitator.store.engine as engine
from facilitator.app import FacilitatorApp
from facilitator.checkin.server import CheckinServer
from facilitator.common.clock import FakeClock
from facilitator.screens.live import LiveScreen
from facilitator.session.live import LiveSession, open_live
from facilitator.store.database import Database
from facilitator.store.engine import sqlite_file

from .livefixtures import make_session
from .test_live_scales import notices
from .test_live_screen import SIZE, attendance, roster_rows, screen_plain, screen_text

BOUND = 5.0
"""Seconds any wait here may take before the test fails (the waits are for conditions)."""


def live_app(database: Database, session_id: str, clock: FakeClock) -> FacilitatorApp:
    live = open_live(database, session_id, clock=clock, actor="Sam Facilitator")
    return FacilitatorApp(database, lambda: LiveScreen(live, poll_interval=0.1))


def count_calls(target: object, *names: str) -> dict[str, int]:
    """Count the calls of `target`'s methods `names` from now on (they still run)."""
    calls = dict.fromkeys(names, 0)
    for name in names:
        method = getattr(target, name)

        def counted(*args: object, _name: str = name, _method=method) -> object:  # type: ignore[no-untyped-def]
            calls[_name] += 1
            return _method(*args)

        setattr(target, name, counted)
    return calls


async def until(pilot, condition: Callable[[], bool], what: str, bound: float = BOUND) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until `condition()` holds (fail after `bound` seconds)."""
    deadline = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.02)


@pytest.mark.sqlite_only(reason="holds SQLite's write lock from a second connection")
async def test_a_locked_database_keeps_the_screen_alive_and_loses_no_action(
    db_url: str, database: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = make_session(database, clock)
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 100)  # a busy database answers quickly here
    monkeypatch.setattr(work_queue, "RETRY_EVERY", 0.05)
    monkeypatch.setattr(live_sync, "SLOW", 0.2)
    busy = Database(db_url)
    path = sqlite_file(db_url)
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    app = live_app(busy, session_id, clock)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
            await pilot.press(
                "c", *"AVQ1", "enter", "escape", "n"
            )  # a check-in and an agenda step wait
            clock.advance(minutes=10)  # saved late, they keep the time the keys were pressed
            await until(
                pilot,
                lambda: "2 changes waiting to save" in screen_text(app, "#roster-warning"),
                "the waiting changes shown",
            )
            assert "the database is busy — retrying" in screen_text(app, "#roster-warning")
            await pilot.press("P")  # the screen still answers keys
            await until(pilot, lambda: app.screen.privacy, "privacy mode on")
            await pilot.press("P")
            assert attendance(busy, session_id)["Avery Quinn"].checked_in_at is None

            holder.execute("COMMIT")
            await until(
                pilot,
                lambda: roster_rows(app)["Avery Quinn"][1] == "present",
                "the check-in saved",
            )
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            row = attendance(busy, session_id)["Avery Quinn"]
            assert row.status == "present"  # at 09:00, when typed: not late
            await until(pilot, lambda: screen_text(app, "#roster-warning") == "", "all saved")
            assert app.screen.live.snapshot.agenda.current.position == 1  # `n` landed too
            assert "That was the last item" not in notices(app)
            assert "busy" not in notices(app)  # waited for, never refused
    finally:
        holder.close()
        busy.dispose()


async def test_other_laptops_changes_reach_the_open_screen(
    db_url: str, database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    other_database = Database(db_url)
    other = LiveSession(other_database, session_id, clock=clock, actor="Robin Facilitator")
    server = CheckinServer(other_database, session_id, clock=clock)
    app = live_app(database, session_id, clock)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, LiveScreen)
            calls = count_calls(screen.live, "refresh", "poll")
            await until(pilot, lambda: calls["poll"] >= 5, "five polls")
            assert calls["refresh"] == 0  # nothing changed: nothing reloaded

            await asyncio.to_thread(other.check_in_code, "AVQ1")
            await until(
                pilot,
                lambda: roster_rows(app)["Avery Quinn"][1] == "present",
                "a check-in on the other laptop shown",
                bound=2.0,
            )
            await asyncio.to_thread(other.cycle_status, other.snapshot.roster[0].participant.id)
            await until(
                pilot,
                lambda: roster_rows(app)["Avery Quinn"][1] == "late",
                "a status set on the other laptop shown",
                bound=2.0,
            )
            await asyncio.to_thread(other.next_item)
            await until(
                pilot,
                lambda: screen.live.snapshot.agenda.current.position == 1,
                "an agenda step on the other laptop shown",
                bound=2.0,
            )
            await server.start("127.0.0.1", 0)  # the other laptop's phone check-in
            async with (
                aiohttp.ClientSession() as http,
                http.post(server.url, data={"code": "blm-2"}) as response,
            ):
                assert response.status == 200
            await until(
                pilot,
                lambda: roster_rows(app)["Blake Moreno"][1] == "present",
                "a phone check-in on the other laptop's server shown",
                bound=2.0,
            )
            assert "Blake Moreno" in screen_plain(app)
    finally:
        await server.stop()
        other_database.dispose()


async def test_n_refused_by_the_database_does_not_say_last_item(
    database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    other = LiveSession(database, session_id, clock=clock)
    app = live_app(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        screen._poll_timer.stop()  # this screen has not seen the end yet
        await asyncio.to_thread(other.end)
        await pilot.press("n")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "the session has ended" in notices(app)
        assert "That was the last item" not in notices(app)


def test_a_row_shown_from_a_phone_survives_an_older_read_and_never_hides_a_newer_one(
    database: Database, clock: FakeClock
) -> None:
    from facilitator.store.models import Status

    session_id = make_session(database, clock)
    live = LiveSession(database, session_id, clock=clock, actor="Sam Facilitator")
    avery = next(e for e in live.snapshot.roster if e.participant.name == "Avery Quinn")

    def word() -> str:
        entry = next(e for e in live.snapshot.roster if e.participant.id == avery.participant.id)
        return entry.word

    # A row committed after the snapshot's read began is shown at once, and a read that began
    # before that commit (here: any read, the commit is "in the future") keeps it shown.
    row = avery.attendance.model_copy(update={"status": Status.LATE})
    assert live.show_saved(row, time.monotonic() + 60)
    assert word() == "late"
    live.refresh()
    assert word() == "late"  # the database still says absent: the read predates the row
    # A row committed before the snapshot's read began is already in it, or older than it:
    # never shown over it.
    fresh = LiveSession(database, session_id, clock=clock)
    older = avery.attendance.model_copy(update={"status": Status.EXCUSED})
    assert fresh.show_saved(older, time.monotonic() - 60)
    entry = next(e for e in fresh.snapshot.roster if e.participant.id == avery.participant.id)
    assert entry.status is not Status.EXCUSED
