"""A check-in server for `bench_checkin.py`, in its own process (phones are other machines).

    python benchmarks/_checkin_server.py MODE DB_URL SESSION_ID

MODE:
- `app`: the real live screen (`make_live_app`, headless via `run_test`) serving phone check-in
  in its own loop, as `facilitator run` does: every check-in also refreshes the roster on screen.
- `server`: `CheckinServer` alone, no screen (the check-in path without the UI's share).
- `floor`: a bare aiohttp handler that reads the form and INSERTs one row with its own sqlite3
  connection (WAL, synchronous=NORMAL, as the app), or psycopg connection on PostgreSQL,
  committed before answering: the least any "request to committed record" can cost here.
- `watch`: a second laptop: the same live screen, no check-in served, keeping in step by polling
  the session's change marker as the product does. Prints `SEEN <here> <marker> <monotonic>`
  every time it redraws its roster (`here`: members present or late on it).

Prints `URL <check-in url>` (`watch`: `URL -`) once serving, then serves until its stdin closes;
a line `forget` on stdin makes the server forget the answers it remembers (it answers `FORGOT`).
With `FACILITATOR_BENCH_PROFILE=FILE`, `app` and `server` run their event loop's thread under
cProfile while serving (written to FILE at the end, or FILE.server), and say on stderr whenever
the loop was held over 50 ms, time each check-in's steps (FILE.trace, FILE.server.trace) and
sample what the loop's executor threads do (FILE.threads, FILE.server.threads).
`FACILITATOR_BENCH_EXECUTOR=N` gives the loop a default executor of N threads (a what-if).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator


async def _wait_for_stdin_eof(forget: Callable[[], None] | None = None) -> None:
    """Until stdin closes, read by a thread of its own: not one of the loop's default executor,
    which the app's thread workers and the check-in server share. A line `forget` calls
    `forget()` in the loop (the server's remembered answers, after the attendance was reset
    behind its back, as the app does after a status change) and answers `FORGOT`."""
    loop = asyncio.get_running_loop()
    closed = loop.create_future()

    def forgotten() -> None:
        if forget is not None:
            forget()
        print("FORGOT", flush=True)

    def read() -> None:
        for line in sys.stdin:
            if line.strip() == "forget":
                loop.call_soon_threadsafe(forgotten)
        loop.call_soon_threadsafe(closed.set_result, None)

    threading.Thread(target=read, daemon=True).start()
    await closed


def _default_executor() -> None:
    """`FACILITATOR_BENCH_EXECUTOR=N`: give the loop a default executor of N threads (a what-if;
    Python's default is min(32, CPUs + 4))."""
    threads = os.environ.get("FACILITATOR_BENCH_EXECUTOR")
    if threads:
        from concurrent.futures import ThreadPoolExecutor

        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(int(threads)))


def _announce(url: str) -> None:
    print(f"URL {url}", flush=True)


async def run_app(url: str, session_id: str, *, serve: bool = True) -> None:
    from facilitator.app import make_live_app
    from facilitator.checkin.options import CheckinOptions
    from facilitator.screens.live import LiveScreen
    from facilitator.store.database import Database

    _default_executor()
    database = Database(url)
    checkin = CheckinOptions(host="127.0.0.1", port=0) if serve else None
    if serve and os.environ.get("FACILITATOR_BENCH_PROFILE"):
        _trace_attempts(os.environ["FACILITATOR_BENCH_PROFILE"] + ".trace")
    app = make_live_app(database, session_id, actor="bench", checkin=checkin)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        for _ in range(500):
            await pilot.pause(0.01)
            screen = app.screen
            if isinstance(screen, LiveScreen) and (screen.qr_panel.url or not serve):
                break
        assert isinstance(screen, LiveScreen), "no live screen"
        if serve:
            assert screen.qr_panel.url, "no check-in URL"
            _announce(screen.qr_panel.url)
        else:
            _watch(screen)
            _announce("-")
        with _profiled():
            await _wait_for_stdin_eof(screen.phone.forget_answers)
    database.dispose()


@contextlib.contextmanager
def _profiled(suffix: str = "") -> Iterator[None]:
    """cProfile of the event loop's thread while serving, if `FACILITATOR_BENCH_PROFILE`;
    plus `LAG` lines on stderr: each time the loop was held for more than 50 ms."""
    profile_to = os.environ.get("FACILITATOR_BENCH_PROFILE")
    if profile_to and suffix:
        profile_to += suffix
    if not profile_to:
        yield
        return
    import cProfile

    lag = asyncio.get_running_loop().create_task(_watch_lag(0.05))
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_threads, args=(profile_to + ".threads", stop))
    sampler.start()
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        lag.cancel()
        stop.set()
        sampler.join()
        profiler.dump_stats(profile_to)


def _sample_threads(path: str, stop: threading.Event) -> None:
    """Every 20 ms, what the loop's default-executor threads are doing: waiting
    for the screen's work-queue lock, running a queued job, a check-in, or something else/idle.
    Lines `<monotonic> <lock> <job> <checkin> <other>` to `path`."""
    names = {t.ident: t.name for t in threading.enumerate()}
    lines = []
    while not stop.wait(0.02):
        counts = [0, 0, 0, 0]
        for ident, frame in sys._current_frames().items():
            if ident not in names:
                names = {t.ident: t.name for t in threading.enumerate()}
            if not names.get(ident, "").startswith(("asyncio_", "ThreadPoolExecutor")):
                continue
            stack = []
            while frame is not None:
                stack.append(frame.f_code.co_name)
                frame = frame.f_back
            if "attempt_check_ins" in stack:
                counts[2] += 1
            elif "drain" in stack:
                counts[0 if stack.index("drain") == 0 else 1] += 1
            else:
                counts[3] += 1
        lines.append(f"{time.monotonic():.3f} " + " ".join(map(str, counts)))
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")


def _trace_attempts(path: str) -> None:
    """Write each check-in's steps' moments (monotonic) to `path`: `_attempt` entered on the
    loop, the batch holding it (`attempt_check_ins`) begun and ended in its thread, `_attempt`
    resumed on the loop."""
    import atexit

    from facilitator.checkin import app as checkin_app
    from facilitator.checkin import state as checkin_state

    lines: list[str] = []
    inner = checkin_state.attempt_check_ins
    outer = checkin_app._attempt
    began: dict[str, tuple[float, float]] = {}

    def attempt_check_ins(database, session_id, attempts):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        try:
            return inner(database, session_id, attempts)
        finally:
            end = time.monotonic()
            for raw_code, _now, _source in attempts:
                began[raw_code] = (start, end)

    async def _attempt(state, raw_code, address):  # type: ignore[no-untyped-def]
        entered = time.monotonic()
        try:
            return await outer(state, raw_code, address)
        finally:
            start, end = began.pop(raw_code, (entered, entered))
            lines.append(f"{raw_code} {entered:.6f} {start:.6f} {end:.6f} {time.monotonic():.6f}")

    checkin_state.attempt_check_ins = attempt_check_ins
    checkin_app._attempt = _attempt

    @atexit.register
    def _write() -> None:
        with open(path, "w") as out:
            out.write("\n".join(lines) + "\n")


async def _watch_lag(limit: float) -> None:
    step = 0.01
    while True:
        before = time.monotonic()
        await asyncio.sleep(step)
        held = time.monotonic() - before - step
        if held > limit:
            print(f"LAG {held * 1000:.0f} ms ending {time.monotonic():.3f}", file=sys.stderr)


def _watch(screen: object) -> None:
    """Print a `SEEN` line after each redraw of the screen's roster (see `watch`)."""
    from facilitator.store.models import Status

    panel = screen.roster_panel  # type: ignore[attr-defined]
    live = screen.live  # type: ignore[attr-defined]
    show = panel.show

    def shown(roster, counts, *args, **kwargs):  # type: ignore[no-untyped-def]
        show(roster, counts, *args, **kwargs)
        here = counts[Status.PRESENT] + counts[Status.LATE]
        print(f"SEEN {here} {live.marker} {time.monotonic():.6f}", flush=True)

    panel.show = shown


async def run_watch(url: str, session_id: str) -> None:
    await run_app(url, session_id, serve=False)


async def run_server(url: str, session_id: str) -> None:
    from facilitator.checkin.server import CheckinServer
    from facilitator.store.database import Database

    database = Database(url)
    if os.environ.get("FACILITATOR_BENCH_PROFILE"):
        _trace_attempts(os.environ["FACILITATOR_BENCH_PROFILE"] + ".server.trace")
    server = CheckinServer(database, session_id)
    await server.start("127.0.0.1", 0)
    _announce(server.url)
    with _profiled(".server"):
        await _wait_for_stdin_eof(server.forget_answers)
    await server.stop()
    database.dispose()


def _floor_connect(url: str):  # type: ignore[no-untyped-def]
    """(connect, CREATE TABLE, INSERT): a sqlite3 file as the app opens it, or PostgreSQL."""
    if url.startswith("postgresql"):
        import psycopg

        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return (
            lambda: psycopg.connect(conninfo),
            "CREATE TABLE IF NOT EXISTS bench_floor_checkins "
            "(id SERIAL PRIMARY KEY, code TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)",
            "INSERT INTO bench_floor_checkins (code, at) VALUES (%s, now())",
        )
    import sqlite3

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    return (
        connect,
        "CREATE TABLE IF NOT EXISTS bench_floor_checkins "
        "(id INTEGER PRIMARY KEY, code TEXT NOT NULL, at TEXT NOT NULL)",
        "INSERT INTO bench_floor_checkins (code, at) VALUES (?, datetime('now'))",
    )


async def run_floor(url: str, _session_id: str) -> None:
    from aiohttp import web

    connect, create, insert_sql = _floor_connect(url)
    local = threading.local()

    def connection():  # type: ignore[no-untyped-def]
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect()
        return conn

    setup = connection()
    setup.execute(create)
    setup.commit()

    def insert(code: str) -> None:
        conn = connection()
        conn.execute(insert_sql, (code,))
        conn.commit()

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
    runner = {"app": run_app, "server": run_server, "floor": run_floor, "watch": run_watch}[mode]
    asyncio.run(runner(url, session_id))


if __name__ == "__main__":
    main()
