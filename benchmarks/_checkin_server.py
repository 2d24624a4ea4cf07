"""A check-in server for `bench_checkin.py`, in its own process (phones are other machines).

    python benchmarks/_checkin_server.py MODE DB_URL SESSION_ID

MODE:
- `app`: the real live screen (`make_live_app`, headless via `run_test`) serving phone check-in
  in its own loop, as `facilitator run` does: every check-in also refreshes the roster on screen.
- `server`: `CheckinServer` alone, no screen (the check-in path without the UI's share).
- `floor`: a bare aiohttp handler that reads the form and INSERTs one row with its own sqlite3
  connection (WAL, synchronous=NORMAL, as the app), committed before answering: the least any
  "request to committed record" can cost on this machine.

Prints `URL <check-in url>` once serving, then serves until its stdin closes.
"""

from __future__ import annotations

import asyncio
import sys
import threading


async def _wait_for_stdin_eof() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def _announce(url: str) -> None:
    print(f"URL {url}", flush=True)


async def run_app(url: str, session_id: str) -> None:
    from facilitator.app import make_live_app
    from facilitator.checkin.options import CheckinOptions
    from facilitator.screens.live import LiveScreen
    from facilitator.store.database import Database

    database = Database(url)
    app = make_live_app(
        database, session_id, actor="bench", checkin=CheckinOptions(host="127.0.0.1", port=0)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        for _ in range(500):
            await pilot.pause(0.01)
            screen = app.screen
            if isinstance(screen, LiveScreen) and screen.qr_panel.url:
                break
        assert isinstance(screen, LiveScreen) and screen.qr_panel.url, "no check-in URL"
        _announce(screen.qr_panel.url)
        await _wait_for_stdin_eof()
    database.dispose()


async def run_server(url: str, session_id: str) -> None:
    from facilitator.checkin.server import CheckinServer
    from facilitator.store.database import Database

    database = Database(url)
    server = CheckinServer(database, session_id)
    await server.start("127.0.0.1", 0)
    _announce(server.url)
    await _wait_for_stdin_eof()
    await server.stop()
    database.dispose()


async def run_floor(url: str, _session_id: str) -> None:
    import sqlite3

    from aiohttp import web

    path = url.removeprefix("sqlite:///")
    local = threading.local()

    def connection() -> sqlite3.Connection:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            local.conn = conn
        return conn

    setup = connection()
    setup.execute(
        "CREATE TABLE IF NOT EXISTS bench_floor_checkins "
        "(id INTEGER PRIMARY KEY, code TEXT NOT NULL, at TEXT NOT NULL)"
    )
    setup.commit()

    def insert(code: str) -> None:
        conn = connection()
        with conn:
            conn.execute(
                "INSERT INTO bench_floor_checkins (code, at) VALUES (?, datetime('now'))", (code,)
            )

    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        await asyncio.to_thread(insert, str(form.get("code", "")))
        return web.Response(text="<p>Welcome</p>", content_type="text/html")

    app = web.Application()
    app.router.add_post("/c/{token}", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    _announce(f"http://{host}:{port}/c/floor-token-floor-token-floor")
    await _wait_for_stdin_eof()
    await runner.cleanup()


def main() -> None:
    mode, url, session_id = sys.argv[1:4]
    runner = {"app": run_app, "server": run_server, "floor": run_floor}[mode]
    asyncio.run(runner(url, session_id))


if __name__ == "__main__":
    main()
