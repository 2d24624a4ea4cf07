"""Phone check-in inside the live screen: the server runs in the app's loop, the roster follows."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp
from textual.widgets import Static

from facilitator.app import make_live_app
from facilitator.checkin.attempt import attempt_check_ins
from facilitator.checkin.options import CheckinOptions
from facilitator.common.clock import FakeClock
from facilitator.common.qr import qr_matrix
from facilitator.screens.live import LiveScreen
from facilitator.screens.live_checkin import Notice, phones_notice
from facilitator.screens.qr_screen import QRScreen
from facilitator.store.database import Database
from facilitator.widgets.qr_panel import CheckinURL, QRPanel

from .livefixtures import make_session
from .test_live_screen import roster_rows, screen_plain

SIZE = (140, 45)
TOP = {" ": False, "▀": True, "▄": False, "█": True}
BOTTOM = {" ": False, "▀": False, "▄": True, "█": True}


def _modules(text: str) -> list[list[bool]]:
    """Half-block lines back to QR modules: each character holds two rows."""
    rows: list[list[bool]] = []
    for line in text.splitlines():
        rows.append([TOP[c] for c in line])
        rows.append([BOTTOM[c] for c in line])
    return rows[: len(rows[0])]  # a QR is square: drop the padding row


async def _wait_for_url(app, pilot) -> str:  # type: ignore[no-untyped-def]
    panel = app.screen.query_one(QRPanel)
    for _ in range(100):
        if panel.url:
            return panel.url
        await pilot.pause(0.02)
    raise AssertionError("the check-in server never started")


async def test_phone_check_in_shows_on_the_roster_within_a_second(
    database: Database, clock: FakeClock
) -> None:
    app = make_live_app(
        database, make_session(database, clock), clock=clock, checkin=CheckinOptions("127.0.0.1", 0)
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        url = await _wait_for_url(app, pilot)
        assert url.startswith("http://127.0.0.1:") and "/c/" in url
        line = app.screen.query_one(CheckinURL)
        assert line.url == url and url in line.render().plain
        # The QR drawn on screen is the URL's QR, module for module (half blocks read back).
        drawn = app.screen.query_one("#qr-code", Static).content
        assert drawn.style == "#000000 on #ffffff"
        assert _modules(drawn.plain) == qr_matrix(url)
        assert roster_rows(app)["Emery Zhou"][1] == "not here"
        clock.advance(minutes=1)
        started = time.monotonic()
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data={"code": "emz-5"}) as response,
        ):
            assert response.status == 200
            body = await response.text()
        assert "Emery" in body and "Zhou" not in body
        told = "Emery Zhou checked in by phone"
        while roster_rows(app)["Emery Zhou"][1] != "present" or told not in screen_plain(app):
            # Real time under test: the contract (section 5) promises the roster within a second.
            assert time.monotonic() - started < 1.0, "roster did not follow within one second"
            await pilot.pause(0.02)
        assert roster_rows(app)["Emery Zhou"][4] == "phone"

        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, QRScreen)
        assert str(app.screen.query_one("#qr-big-url").content) == url
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)

        # Ending the session stops the server: the URL is dead.
        await pilot.press("e", "y")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(url) as response:
                assert response.status == 404
        except aiohttp.ClientConnectionError:
            pass


async def test_taken_port_leaves_code_check_in_working(
    database: Database, clock: FakeClock
) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        app = make_live_app(
            database,
            make_session(database, clock),
            clock=clock,
            checkin=CheckinOptions("127.0.0.1", port),
        )
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            panel = app.screen.query_one(QRPanel)
            for _ in range(100):
                if panel.has_class("-off"):
                    break
                await pilot.pause(0.02)
            status = str(app.screen.query_one("#qr-status", Static).content)
            assert f"port {port} is already in use" in status
            await pilot.press("c", *"AVQ1", "enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert roster_rows(app)["Avery Quinn"][1] == "present"
            await pilot.press("escape", "f")
            await pilot.pause()
            assert isinstance(app.screen, LiveScreen)
    await asyncio.sleep(0)


async def test_phones_arriving_together_are_told_in_one_notice(
    database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    app = make_live_app(database, session_id, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        clock.advance(minutes=1)
        codes = [(code, clock(), "127.0.0.2") for code in ("AVQ1", "BLM2", "CAL3")]
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        for answer in attempt_check_ins(database, session_id, codes):
            screen._phone_checked_in(answer.result)  # as the server calls it, in the loop
        names = ["Avery Quinn", "Blake Moreno", "Casey Lindqvist"]
        for _ in range(100):
            if all(roster_rows(app)[name][1] == "present" for name in names):
                break
            await pilot.pause(0.02)
        await pilot.pause()
        shown = screen_plain(app)
        assert "Check-in · 3 phones" in shown
        assert all(f"{name} checked in by phone" in shown for name in names)
        assert len(app._notifications) == 1  # one notice, one redraw of the screen


def test_a_notice_for_many_phones_names_six_and_counts_the_rest() -> None:
    each = [Notice(f"Member {n} checked in by phone at 18:0{n % 10} (present)") for n in range(9)]
    notice = phones_notice(each)
    lines = notice.message.splitlines()
    assert lines[:6] == [n.message for n in each[:6]] and lines[6] == "… and 3 more"
    assert notice.title == "Check-in · 9 phones"
    assert phones_notice(each[:1]) == each[0]
