"""Phone check-in under a burst: 60 members posting their codes at once to a live session.

    python benchmarks/bench_checkin.py [--runs 5] [--db-file FILE]

The seeded clinic's first group is grown to 60 current members and given a live session. The
check-in server runs in its own process (phones are other machines), in three forms:

- `app`: the real live screen (`make_live_app`, headless) serving check-in in its own loop, with
  the roster refresh every check-in triggers: what `facilitator run` does. The target applies here.
- `server`: `CheckinServer` alone (the check-in path without the screen's share).
- `floor`: a bare aiohttp handler doing one committed sqlite3 INSERT per request.

In each wave every phone first loads the form over a connection of its own (kept open), then the
60 POSTs are released together, each phone from an address of its own, 127.0.1.N (phones on the
clinic's Wi-Fi; check-ins that arrive together may share a transaction); each is timed from
sending to the full answer. The server commits before it answers, so that is request to committed
record. One more wave sends the same 60 check-ins 50 ms apart, from one address (service time
without the queue), and one more sends all 60 together from 127.0.0.1 (INFO: the server takes one
attempt at a time per address, so these queue one behind another). After each wave the database
must hold exactly 60 checked-in records (then they are reset for the next wave, and the server
forgets the answers it remembers). p50/p99 pool the waves after a first, cold wave (reported on
its own).
Targets, on the live app: the burst's p99 at most 5× the floor's, the paced wave's at most 2×.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    HERE,
    PYTHON,
    Result,
    db_path_from_args,
    emit,
    median,
    parser,
    percentile,
    print_machine,
    rss_mb,
    url_of,
)

MEMBERS = 60
PACED_SPACING = 0.05
BURST_RATIO = 5.0
"""The live app's burst p99 may be this many times the floor's."""
PACED_RATIO = 2.0
"""The live app's paced p99 may be this many times the floor's."""


def prepare(url: str) -> tuple[str, list[str]]:
    """Grow group 1 of the database at `url` to 60 current members, open a live session;
    (session id, their codes)."""
    sys.path.insert(0, str(HERE))
    from seed import first_group_name, open_live

    from facilitator.program.groups import get_group
    from facilitator.program.roster import add_member, members
    from facilitator.store.database import Database

    name = first_group_name(url)
    database = Database(url)
    with database.session() as db:
        group = get_group(db, name)
        current = members(db, group)
        for i in range(MEMBERS - len(current)):
            add_member(
                db,
                group,
                name=f"Benchmark Member{i:02d}",
                joined=dt.date.today() - dt.timedelta(days=3),
                actor="bench",
            )
    database.dispose()
    session_id = open_live(url, name, checked_in=0)
    database = Database(url)
    with database.session() as db:
        codes = [m.participant.code for m in members(db, get_group(db, name))]
    database.dispose()
    assert len(codes) == MEMBERS, len(codes)
    return session_id, codes


def reset(path: Path, session_id: str) -> None:
    """Nobody checked in yet (the next wave's members are all first-timers)."""
    with sqlite3.connect(path, timeout=10) as conn:
        conn.execute(
            "UPDATE attendance SET status = 'absent', checked_in_at = NULL, "
            "checked_out_at = NULL, method = NULL WHERE session_id = ?",
            (session_id,),
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_checkins "
            "(id INTEGER PRIMARY KEY, code TEXT NOT NULL, at TEXT NOT NULL)"
        )
        conn.execute("DELETE FROM bench_floor_checkins")


def committed(path: Path, session_id: str, mode: str) -> int:
    """How many check-ins the wave left in the database."""
    with sqlite3.connect(path, timeout=10) as conn:
        if mode == "floor":
            return int(conn.execute("SELECT count(*) FROM bench_floor_checkins").fetchone()[0])
        return int(
            conn.execute(
                "SELECT count(*) FROM attendance WHERE session_id = ? AND "
                "checked_in_at IS NOT NULL AND method = 'phone'",
                (session_id,),
            ).fetchone()[0]
        )


async def wave(
    url: str, codes: list[str], spacing: float = 0.0, *, one_address: bool = True
) -> list[tuple[float, float, int]]:
    """Each phone loads the check-in form over a connection of its own (kept open), then all post
    their codes together (or `spacing` seconds apart): (sent, answered, HTTP status) each, on
    `time.monotonic`. All from 127.0.0.1 (`one_address`), else each from 127.0.1.N."""
    import aiohttp

    go = asyncio.Event()
    everyone = asyncio.Event()
    opened = [0]

    async def phone(index: int, code: str) -> tuple[float, float, int]:
        address = "127.0.0.1" if one_address else f"127.0.1.{index + 1}"
        connector = aiohttp.TCPConnector(limit=1, local_addr=(address, 0))
        async with aiohttp.ClientSession(connector=connector) as client:
            async with client.get(url) as response:
                await response.read()
            opened[0] += 1
            if opened[0] == len(codes):
                everyone.set()
            await go.wait()
            if spacing:
                await asyncio.sleep(index * spacing)
            sent = time.monotonic()
            async with client.post(url, data={"code": code}) as response:
                await response.read()
                return sent, time.monotonic(), response.status

    tasks = [asyncio.create_task(phone(i, code)) for i, code in enumerate(codes)]
    await asyncio.wait_for(everyone.wait(), timeout=30)
    go.set()
    return await asyncio.gather(*tasks)


def forget(server: subprocess.Popen[str]) -> None:
    """Make the server forget the answers it remembers (a code sent again within a minute is
    answered from memory, without the database), as the app does after a status change."""
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write("forget\n")
    server.stdin.flush()
    line = server.stdout.readline()
    if line.strip() != "FORGOT":
        raise SystemExit(f"the server did not forget its answers: {line!r}")


def run_mode(
    mode: str, path: Path, session_id: str, codes: list[str], runs: int
) -> tuple[list[float], list[float], list[float], list[float], int, float]:
    """(warm burst, cold burst, paced, one-address burst latencies in ms; failures; server RSS
    in MB)."""
    reset(path, session_id)
    server = subprocess.Popen(
        [PYTHON, str(HERE / "_checkin_server.py"), mode, url_of(path), session_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.startswith("URL "):
            raise SystemExit(f"{mode} server did not start: {line!r}")
        url = line.split(" ", 1)[1].strip()
        warm: list[float] = []
        cold: list[float] = []
        failures = 0

        def one_wave(name: str, spacing: float = 0.0, one_address: bool = True) -> list[float]:
            """Reset, then one wave; its latencies in ms (failures counted)."""
            nonlocal failures
            reset(path, session_id)
            forget(server)
            results = asyncio.run(wave(url, codes, spacing, one_address=one_address))
            failures += sum(1 for *_, status in results if status != 200)
            stored = committed(path, session_id, mode)
            if stored != len(codes):
                print(f"  {mode}: {name}: {stored} records stored, expected {len(codes)}")
                failures += abs(len(codes) - stored)
            return [(done - sent) * 1000 for sent, done, _ in results]

        # 60 phones on the clinic's Wi-Fi: 60 addresses, whose check-ins may share commits.
        for run in range(runs + 1):
            (cold if run == 0 else warm).extend(one_wave(f"wave {run}", one_address=False))
        # One paced wave: the same 60 check-ins arriving 50 ms apart (no queue): service time.
        paced = one_wave("paced wave", PACED_SPACING)
        # One wave of all 60 from one address, which the server takes one at a time.
        single = one_wave("one-address wave")
        rss = rss_mb(server.pid)
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return warm, cold, paced, single, failures, rss


def profile(path: Path, session_id: str, codes: list[str]) -> None:
    """Why a check-in costs what it does: the server's core call one at a time, and the screen.

    1. `checkin.attempt.attempt_check_in` (a batch of one, as a POST runs it) called 60
       times in a row: per-call time, SQL statements per check-in, and the top functions under
       cProfile.
    2. The live screen's full reload (`LiveSession.refresh`) and redraw with 60 members, each
       timed on the event loop.
    """
    import cProfile
    import pstats

    import sqlalchemy as sa

    from facilitator.checkin.attempt import attempt_check_in as _attempt
    from facilitator.common.timeutil import utcnow
    from facilitator.store.database import Database

    reset(path, session_id)
    database = Database(url_of(path))
    statements = [0]

    @sa.event.listens_for(database.engine, "before_cursor_execute")
    def _count(*_args):  # type: ignore[no-untyped-def]
        statements[0] += 1

    _attempt(database, session_id, codes[0], utcnow(), "bench")  # warm
    statements[0] = 0
    times = []
    profiler = cProfile.Profile()
    for code in codes[1:]:
        began = time.perf_counter()
        profiler.enable()
        _attempt(database, session_id, code, utcnow(), "bench")
        profiler.disable()
        times.append((time.perf_counter() - began) * 1000)
    database.dispose()
    print(
        f"\nprofile: one check-in (server core, sequential, under cProfile): p50 "
        f"{percentile(times, 50):.1f} ms, p99 {percentile(times, 99):.1f} ms; "
        f"{statements[0] / len(times):.1f} SQL statements per check-in"
    )
    pstats.Stats(profiler).sort_stats("tottime").print_stats(8)

    async def screen() -> None:
        from facilitator.app import make_live_app
        from facilitator.screens.live import LiveScreen

        database = Database(url_of(path))
        app = make_live_app(database, session_id)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            live = app.screen
            assert isinstance(live, LiveScreen)
            reload, redraw = [], []
            for _ in range(20):
                began = time.perf_counter()
                live.live.refresh()
                middle = time.perf_counter()
                live.redraw()
                await pilot.pause()
                end = time.perf_counter()
                reload.append((middle - began) * 1000)
                redraw.append((end - middle) * 1000)
            print(
                f"profile: the live screen's full reload and redraw "
                f"({len(live.live.snapshot.roster)} members), on the event loop (median): reload "
                f"{median(reload):.1f} ms (LiveSession.refresh) + redraw and render "
                f"{median(redraw):.1f} ms (LiveScreen.redraw)"
            )
        database.dispose()

    asyncio.run(screen())


def wave_row(name: str, latencies: list[float], floor: list[float], ratio: float | None) -> Result:
    """A row of one wave: its p99 against the floor's same wave (p50s in the detail), PASS
    within `ratio` times the floor (None: INFO)."""
    value, below = percentile(latencies, 99), percentile(floor, 99)
    return Result(
        name=name,
        value=value,
        unit="ms",
        floor=below,
        target="info" if ratio is None else f"p99 ≤ {ratio:g}× floor",
        passed=None if ratio is None else value <= ratio * below,
        runs=1,
        detail=f"p50 {percentile(latencies, 50):.1f} ms (floor {percentile(floor, 50):.1f} ms)",
    )


def main() -> int:
    p = parser(__doc__.split("\n\n")[0], runs=5)
    p.add_argument("--profile", action="store_true", help="also show where a check-in's time goes")
    args = p.parse_args()
    print_machine()
    path = db_path_from_args(args, "checkin", copy=True)
    session_id, codes = prepare(url_of(path))
    print(f"database: {path}; live session {session_id} with {len(codes)} members")
    figures = {}
    for mode in ("floor", "server", "app"):
        warm, cold, paced, single, failures, rss = run_mode(
            mode, path, session_id, codes, args.runs
        )
        figures[mode] = (warm, cold, paced, single, failures, rss)
        print(
            f"  {mode:<6} burst p50 {percentile(warm, 50):7.1f} ms"
            f"  p99 {percentile(warm, 99):7.1f} ms"
            f"  | cold burst p99 {percentile(cold, 99):7.1f} ms"
            f"  | paced (50 ms apart) p50 {percentile(paced, 50):6.1f} ms"
            f"  p99 {percentile(paced, 99):6.1f} ms  | one address p99 "
            f"{percentile(single, 99):6.1f} ms  | failures {failures}  RSS {rss:.0f} MB"
        )
    results = []
    floor_warm = figures["floor"][0]
    floor_paced = figures["floor"][2]
    floor_single = figures["floor"][3]
    for mode, label in (("app", "live app"), ("server", "server alone")):
        warm, cold, paced, single, failures, rss = figures[mode]
        for p in (50, 99):
            value = percentile(warm, p)
            results.append(
                Result(
                    name=f"check-in p{p}, 60 phones at once, {label}",
                    value=value,
                    unit="ms",
                    floor=percentile(floor_warm, p),
                    target=f"p99 ≤ {BURST_RATIO:g}× floor" if p == 99 and mode == "app" else "-",
                    passed=(value <= BURST_RATIO * percentile(floor_warm, p) and failures == 0)
                    if (p == 99 and mode == "app")
                    else None,
                    runs=args.runs,
                    detail=(
                        f"{len(warm)} requests in {args.runs} waves, {failures} failures; "
                        f"cold first wave p99 {percentile(cold, 99):.1f} ms; "
                        f"wave median {median(warm):.1f} ms"
                    )
                    if p == 99
                    else "",
                )
            )
        paced_ratio = PACED_RATIO if mode == "app" else None
        for what, latencies, floor, ratio in (
            ("paced 50 ms apart", paced, floor_paced, paced_ratio),
            ("60 at once from one address", single, floor_single, None),
        ):
            results.append(wave_row(f"check-in p99, {what}, {label}", latencies, floor, ratio))
    emit(results, args)
    if args.profile:
        profile(path, session_id, codes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
