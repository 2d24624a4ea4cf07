"""Regenerate docs/live-screen.svg: the demo's live screen, via Textual's save_screenshot.

Run: python docs/screenshot.py   (fictional demo data, a fixed clock)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from facilitator.app import make_live_app
from facilitator.checkin.options import CheckinOptions
from facilitator.common.clock import FakeClock
from facilitator.demo import build_demo
from facilitator.store.database import open_database
from facilitator.widgets.qr_panel import QRPanel

HERE = Path(__file__).parent


async def main() -> None:
    clock = FakeClock(dt.datetime(2026, 11, 17, 0, 12, tzinfo=dt.UTC))  # 18:12 in Chicago
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{folder}/demo.db")
        session_id = build_demo(database, now=clock())
        app = make_live_app(
            database, session_id, clock=clock, checkin=CheckinOptions("127.0.0.1", 0)
        )
        async with app.run_test(size=(140, 42)) as pilot:
            panel = app.screen.query_one(QRPanel)
            while panel.url is None:  # the check-in server starts in the app's loop
                await pilot.pause(0.05)
            await pilot.pause()
            app.save_screenshot(filename="live-screen.svg", path=str(HERE))
        database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
