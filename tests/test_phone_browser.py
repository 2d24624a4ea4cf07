"""A real phone browser (headless Chromium at 360 px, driven over the DevTools protocol) types a
code, taps Check in, then taps a craving and a mood: the browser itself builds and posts each
form, and the answers reach the database. Skipped where Chromium is not installed.

Loopback only; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from facilitator.checkin.server import CheckinServer
from facilitator.common.clock import FakeClock
from facilitator.store.database import Database
from facilitator.store.models import Attendance, Participant

from .test_scales_http import start

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
BOUND = 20.0
"""Seconds any step may take before the test fails."""


class Tab:
    """One browser tab over the DevTools protocol: commands, and waiting for a page load."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.socket.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self.socket.receive_json(), BOUND)
            if message.get("id") == number:
                assert "error" not in message, message
                return message.get("result", {})
            self.events.put_nowait(message)

    async def loaded(self) -> None:
        """Wait for the next page load."""
        while True:
            while not self.events.empty():
                if self.events.get_nowait().get("method") == "Page.loadEventFired":
                    return
            message = await asyncio.wait_for(self.socket.receive_json(), BOUND)
            if message.get("method") == "Page.loadEventFired":
                return

    async def value(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def tap(self, selector: str) -> None:
        """Tap the middle of the element, as a finger would (a touch, not a script's click)."""
        box = json.loads(
            await self.value(
                f"JSON.stringify(document.querySelector({json.dumps(selector)})"
                ".getBoundingClientRect())"
            )
        )
        point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
        await self.send("Input.dispatchTouchEvent", type="touchStart", touchPoints=[point])
        await self.send("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])

    async def text(self) -> str:
        return str(await self.value("document.body.innerText"))

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@asynccontextmanager
async def phone_browser(profile: Path) -> AsyncIterator[Tab]:
    """Headless Chromium as a 360 px wide touch phone; yields its first tab."""
    assert CHROMIUM is not None
    browser = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(int(BOUND / 0.1)):
            if port_file.exists() and port_file.read_text().strip():
                break
            await asyncio.sleep(0.1)
        port = port_file.read_text().split()[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                pages = [t for t in await response.json() if t["type"] == "page"]
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tab = Tab(ws)
                await tab.send("Page.enable")
                await tab.send(
                    "Emulation.setDeviceMetricsOverride",
                    width=360,
                    height=740,
                    deviceScaleFactor=2,
                    mobile=True,
                )
                await tab.send("Emulation.setTouchEmulationEnabled", enabled=True)
                yield tab
    finally:
        browser.terminate()
        browser.wait(timeout=BOUND)


async def test_a_phone_browser_checks_in_and_answers_both_scales(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock, "Tuesday Evening", "craving,mood")
    server = CheckinServer(database, session_id, clock=clock)
    await server.start("127.0.0.1", 0)
    shots = Path(tempfile.mkdtemp(prefix="phone-"))
    try:
        async with phone_browser(shots / "profile") as tab:
            await tab.send("Page.navigate", url=server.url)
            await tab.loaded()
            assert await tab.value("window.innerWidth") == 360
            assert "Avery" not in await tab.text()  # the form lists no one
            await tab.tap("#code")
            await tab.send("Input.insertText", text="qx7-kpm")
            await tab.tap("form button")
            await tab.loaded()
            greeting = await tab.text()
            assert "Welcome, Avery" in greeting
            assert "How strong is your craving to use right now?" in greeting
            width = await tab.value(
                "document.querySelector('button[name=craving][value=\"7\"]').offsetWidth"
            )
            assert width >= 44  # a thumb's tap target
            await tab.screenshot(shots / "craving.png")
            await tab.tap('button[name=craving][value="7"]')
            await tab.loaded()
            assert "How is your mood today?" in await tab.text()
            await tab.tap('button[name=mood][value="4"]')
            await tab.loaded()
            assert "Thank you" in await tab.text()
            await tab.screenshot(shots / "thanks.png")
    finally:
        await server.stop()
    with database.session() as db:
        row = db.exec(
            select(Attendance)
            .join(Participant, Participant.id == Attendance.participant_id)  # type: ignore[arg-type]
            .where(Attendance.session_id == session_id, Participant.code == "QX7KPM")
        ).one()
    assert (row.craving, row.mood, row.method) == (7, 4, "phone")
