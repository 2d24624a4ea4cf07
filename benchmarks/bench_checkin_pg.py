"""Phone check-in on PostgreSQL with two laptops: 60 phones to one, the other keeping in step.

    python benchmarks/bench_checkin_pg.py --pg-url URL [--runs 3] [--db-name NAME] [--profile]
    FACILITATOR_BENCH_PG_URL=URL python benchmarks/bench_checkin_pg.py

`URL` is a PostgreSQL server the benchmark may create a database in
(`postgresql+psycopg://USER:PASSWORD@127.0.0.1:5432/postgres`). It creates `--db-name` (default
`facilitator_bench_checkin`), seeds a small clinic (one group, a month of history), grows the
group to 60 current members with a live session, and drops the database at the end.

It starts two laptops on that one database, each a process of its own:

- laptop 1: the real live screen (`make_live_app`, headless) serving phone check-in in its loop,
  as `facilitator run` does (`_checkin_server.py app`);
- laptop 2: the same session open live without check-in, keeping in step by polling the
  session's change marker and redrawing (`_checkin_server.py watch`).

60 phones (one loopback address each, 127.0.1.1-60, as a room of phones on the clinic's Wi-Fi;
`--one-address` sends all from 127.0.0.1) first load the check-in form, so each has an open
connection, then post their codes to laptop 1: all at once, or 50 ms apart. Each check-in is timed
from sending to the whole answer (laptop 1 commits before it answers). After each wave the
database must hold exactly 60 phone check-ins, and laptop 2 must have drawn all 60 on its roster:
how long after the last answer it did is reported (negative: before laptop 1 had answered the
last phone). One pair of laptops serves a first wave (reported on its own: the first check-ins
after start), `--runs` bursts (pooled) and the paced wave; before each, the attendance is reset
and laptop 1's server forgets the answers it remembers. Floor: a bare aiohttp handler doing one
committed psycopg INSERT per request, from the same phones, the same waves.
Target: p99 ≤ 250 ms, at once and paced; laptop 2 shows all 60 within 2 s.

`--profile` adds two bursts with laptop 1 under cProfile: each check-in's steps timed (HTTP and
limits, waiting for a thread, the database, back to the loop, the answer), what its loop's
executor threads were doing, and the top functions. `--what-if-threads N` gives each laptop's
loop a default executor of N threads.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from _common import BENCH_DIR, HERE, PYTHON, Result, emit, median, parser, percentile, print_machine
from bench_checkin import prepare, wave

PHONES = 60
PACED_SPACING = 0.05
TARGET_P99_MS = 250.0
SYNC_TARGET_S = 2.0
"""Laptop 2 shows another laptop's check-in within two seconds (`screens/live_sync.py`)."""
SEEN_PATIENCE_S = 15.0
DB_NAME = "facilitator_bench_checkin"
ENV_URL = "FACILITATOR_BENCH_PG_URL"


# -- the database ----------------------------------------------------------------------------------


def admin_url(args_url: str | None) -> str:
    """The server's URL from `--pg-url` or the environment; exit 1 saying why when unusable."""
    url = args_url or os.environ.get(ENV_URL, "")
    if not url:
        raise SystemExit(
            f"error: no PostgreSQL server given: pass --pg-url URL or set {ENV_URL} "
            "(e.g. postgresql+psycopg://postgres:PASSWORD@127.0.0.1:5432/postgres)"
        )
    if not url.startswith(("postgresql://", "postgresql+psycopg://")):
        raise SystemExit(
            f"error: --pg-url / {ENV_URL} must be a PostgreSQL URL "
            f"(postgresql+psycopg://...), not {urlsplit(url).scheme or url!r}"
        )
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def with_database(url: str, name: str) -> str:
    """The same server's URL for database `name`."""
    parts = urlsplit(url)
    return parts._replace(path=f"/{name}").geturl()


def _admin(url: str, sql: str) -> list[tuple[object, ...]]:
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.exec_driver_sql(sql)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def create_database(url: str, name: str, *, replace: bool) -> str:
    """Create database `name` on the server (exit 1 if it exists, unless `replace`)."""
    import sqlalchemy as sa

    if not name.replace("_", "").isalnum():
        raise SystemExit(f"error: --db-name {name!r}: use letters, digits and _ only")
    try:
        exists = _admin(url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        host = urlsplit(url).hostname
        raise SystemExit(f"error: cannot connect to PostgreSQL at {host}: {reason}") from None
    if exists and not replace:
        raise SystemExit(
            f"error: database {name!r} already exists on that server: "
            "pass --replace to drop and recreate it, or --db-name OTHER"
        )
    try:
        if exists:
            drop_database(url, name)
        _admin(url, f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise SystemExit(f"error: cannot create database {name!r}: {reason}") from None
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    """Drop the benchmark's database (closing whatever is still connected to it)."""
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_small(url: str) -> tuple[str, list[str]]:
    """One group with a month of history, grown to 60 members with a live session."""
    subprocess.run(
        [PYTHON, str(HERE / "seed.py"), "--db", url, "--years", "0.1", "--groups", "1"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return prepare(url)


def _sql(url: str, statements: list[str], params: dict[str, object]) -> list[object]:
    """Run statements in one transaction; the first column of each one's first row."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            out = []
            for statement in statements:
                result = conn.execute(sa.text(statement), params)
                out.append(result.scalar() if result.returns_rows else None)
            return out
    finally:
        engine.dispose()


def reset(url: str, session_id: str) -> int:
    """Nobody checked in yet, the floor's table empty; the session's change marker now."""
    *_, marker = _sql(
        url,
        [
            "UPDATE attendance SET status = 'absent', checked_in_at = NULL, "
            "checked_out_at = NULL, method = NULL WHERE session_id = :s",
            "CREATE TABLE IF NOT EXISTS bench_floor_checkins "
            "(id SERIAL PRIMARY KEY, code TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)",
            "DELETE FROM bench_floor_checkins",
            "SELECT coalesce(max(id), 0) FROM audit_events WHERE session_id = :s",
        ],
        {"s": session_id},
    )
    return int(marker or 0)  # type: ignore[call-overload]


def committed(url: str, session_id: str, mode: str) -> int:
    """How many check-ins the wave left in the database."""
    sql = (
        "SELECT count(*) FROM bench_floor_checkins"
        if mode == "floor"
        else "SELECT count(*) FROM attendance WHERE session_id = :s "
        "AND checked_in_at IS NOT NULL AND method = 'phone'"
    )
    return int(_sql(url, [sql], {"s": session_id})[0])  # type: ignore[call-overload]


# -- the laptops -----------------------------------------------------------------------------------


class Laptop:
    """A `_checkin_server.py` process; collects the `SEEN` lines of a second laptop."""

    def __init__(self, mode: str, url: str, session_id: str, profile_to: str = "") -> None:
        env = dict(os.environ, FACILITATOR_BENCH_PROFILE=profile_to) if profile_to else None
        self.proc = subprocess.Popen(
            [PYTHON, str(HERE / "_checkin_server.py"), mode, url, session_id],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.mode = mode
        self.seen: list[tuple[int, int, float]] = []
        self.url = ""
        self._forgot = threading.Event()

    def ready(self) -> str:
        """Wait for its `URL` line; then keep reading `SEEN` lines in a thread."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("URL "):
                self.url = line.split(" ", 1)[1].strip()
                threading.Thread(target=self._read, daemon=True).start()
                return self.url
            self._take(line)
        raise SystemExit(f"laptop ({self.mode}) did not start (exit {self.proc.wait()})")

    def _take(self, line: str) -> None:
        if line.startswith("SEEN "):
            here, marker, at = line.split()[1:4]
            self.seen.append((int(here), int(marker), float(at)))
        elif line.strip() == "FORGOT":
            self._forgot.set()

    def forget(self) -> None:
        """Its server forgets the answers it remembers (the attendance was reset)."""
        assert self.proc.stdin is not None
        self._forgot.clear()
        self.proc.stdin.write("forget\n")
        self.proc.stdin.flush()
        if not self._forgot.wait(30):
            raise SystemExit(f"laptop ({self.mode}) did not forget its answers")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._take(line)

    def saw_all(self, since_marker: int, count: int, patience: float) -> float | None:
        """When (monotonic) it first drew `count` here from changes after `since_marker`."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            for here, marker, at in list(self.seen):
                if here >= count and marker > since_marker:
                    return at
            time.sleep(0.02)
        return None

    def stop(self) -> None:
        """Close its stdin (it ends the app) and wait for it."""
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Wave:
    """One wave's figures."""

    latencies: list[float] = field(default_factory=list)
    moments: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Each code's (sent, answered), monotonic."""
    failures: int = 0
    sync_after_last: float | None = None
    sync_after_first: float | None = None


def one_wave(
    first: Laptop,
    second: Laptop | None,
    url: str,
    session_id: str,
    codes: list[str],
    *,
    spacing: float,
    one_address: bool,
) -> Wave:
    """Reset the attendance, then 60 phones to laptop 1; check the database and laptop 2."""
    since = reset(url, session_id)
    first.forget()
    results = asyncio.run(wave(first.url, codes, spacing, one_address=one_address))
    out = Wave(latencies=[(done - sent) * 1000 for sent, done, _ in results])
    out.moments = {code: (r[0], r[1]) for code, r in zip(codes, results, strict=True)}
    out.failures = sum(1 for *_, status in results if status != 200)
    stored = committed(url, session_id, first.mode)
    if stored != len(codes):
        print(f"  {first.mode}: {stored} check-ins stored, expected {len(codes)}")
        out.failures += abs(len(codes) - stored)
    if second is not None:
        seen = second.saw_all(since, len(codes), SEEN_PATIENCE_S)
        if seen is None:
            print(f"  laptop 2 did not show all {len(codes)} within {SEEN_PATIENCE_S:.0f} s")
        else:
            out.sync_after_last = seen - max(done for _, done, _ in results)
            out.sync_after_first = seen - min(sent for sent, _, _ in results)
    return out


def run_mode(
    mode: str,
    url: str,
    session_id: str,
    codes: list[str],
    plan: list[tuple[str, float]],
    *,
    one_address: bool,
    profile_to: str = "",
) -> list[tuple[str, Wave]]:
    """Laptop 1 (`app` or `floor`) and, for `app`, laptop 2, started once; the waves of `plan`
    ((name, spacing) each) one after another."""
    reset(url, session_id)
    first = Laptop(mode, url, session_id, profile_to)
    second = Laptop("watch", url, session_id) if mode == "app" else None
    done: list[tuple[str, Wave]] = []
    try:
        first.ready()
        if second is not None:
            second.ready()
        for name, spacing in plan:
            w = one_wave(
                first, second, url, session_id, codes, spacing=spacing, one_address=one_address
            )
            done.append((name, w))
            sync = "" if w.sync_after_last is None else (
                f"; laptop 2 all 60 {w.sync_after_last * 1000:.0f} ms after the last answer"
            )  # fmt: skip
            print(f"  {mode} {name:<6} {spread(w.latencies)}; failures {w.failures}{sync}")
    finally:
        first.stop()
        if second is not None:
            second.stop()
    return done


# -- figures ---------------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    """`median … p95 … p99 … max …` in ms."""
    return (
        f"median {median(values):.1f}, p95 {percentile(values, 95):.1f}, "
        f"p99 {percentile(values, 99):.1f}, max {max(values, default=float('nan')):.1f} ms"
    )


def latency_result(
    name: str, app: list[Wave], floor: list[Wave], runs: int, *, target: bool = True
) -> Result:
    """p99 of the pooled waves (against the target, if `target`), with the floor's p99."""
    values = [x for w in app for x in w.latencies]
    floor_values = [x for w in floor for x in w.latencies]
    failures = sum(w.failures for w in app)
    value = percentile(values, 99)
    return Result(
        name=name,
        value=value,
        unit="ms",
        floor=percentile(floor_values, 99),
        target="p99 ≤ 250 ms" if target else "info",
        passed=(value <= TARGET_P99_MS and failures == 0) if target else None,
        runs=runs,
        detail=f"{spread(values)}; {len(values)} check-ins, {failures} failures; "
        f"floor {spread(floor_values)}",
        samples=values,
    )


def sync_result(waves: list[Wave]) -> Result:
    """How long after the last phone's answer laptop 2 showed all 60 (the slowest wave)."""
    after = [w.sync_after_last for w in waves]
    seen = [x for x in after if x is not None]
    value = max(seen) * 1000 if seen else float("nan")
    firsts = [w.sync_after_first for w in waves if w.sync_after_first is not None]
    return Result(
        name="laptop 2 shows all 60, after the last answer (slowest wave)",
        value=value,
        unit="ms",
        target="all 60, ≤ 2 s",
        passed=len(seen) == len(waves) and value <= SYNC_TARGET_S * 1000,
        runs=len(waves),
        detail=f"all 60 shown in {len(seen)} of {len(waves)} waves; after the last answer "
        + ", ".join(f"{x * 1000:.0f}" for x in seen)
        + " ms; after the first phone sent "
        + ", ".join(f"{x * 1000:.0f}" for x in firsts)
        + " ms",
        samples=[x * 1000 for x in seen],
    )


STEPS = (
    "sent to _attempt (HTTP, limits; on the loop)",
    "waiting for a thread",
    "attempt_check_in (database, in a thread)",
    "thread done to the loop resuming",
    "resumed to the whole answer (notify, page; loop)",
)


def show_trace(lines: list[str], name: str, w: Wave) -> None:
    """Where each check-in's time went: its steps' median and max, for all and the slowest 10%."""
    began = min(sent for sent, _ in w.moments.values())
    ended = max(done for _, done in w.moments.values())
    steps: list[tuple[float, list[float]]] = []
    for line in lines:
        code, *at = line.split()
        if code in w.moments and began <= float(at[0]) <= ended:
            sent, done = w.moments[code]
            marks = [sent, *map(float, at), done]
            parts = [(b - a) * 1000 for a, b in zip(marks, marks[1:], strict=False)]
            steps.append(((done - sent) * 1000, parts))
    steps.sort()
    slow = steps[-max(1, len(steps) // 10) :]
    print(f"\nwhere a check-in's time goes, laptop 1, {name} ({len(steps)} check-ins), ms:")
    print(f"  {'step':<50} {'all: median':>12} {'max':>8} {'slowest 10%: median':>20}")
    for i, name in enumerate(STEPS):
        everyone = [parts[i] for _, parts in steps]
        print(
            f"  {name:<50} {median(everyone):>12.1f} {max(everyone):>8.1f} "
            f"{median([parts[i] for _, parts in slow]):>20.1f}"
        )


def profile(url: str, session_id: str, codes: list[str], *, one_address: bool) -> None:
    """A fresh pair of laptops, laptop 1 under cProfile and traced: a first and a second burst."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    stats = str(BENCH_DIR / f"checkin-pg-{os.getpid()}.prof")
    print("\nprofile: laptop 1 under cProfile (its event loop) with each check-in's steps timed")
    done = run_mode(
        "app", url, session_id, codes, [("cold", 0.0), ("burst", 0.0)],
        one_address=one_address, profile_to=stats,
    )  # fmt: skip
    with open(stats + ".trace") as trace:
        lines = trace.read().splitlines()
    os.unlink(stats + ".trace")
    with open(stats + ".threads") as samples:
        threads = [[float(x) for x in line.split()] for line in samples if line.strip()]
    os.unlink(stats + ".threads")
    for name, w in done:
        show_trace(lines, "first burst" if name == "cold" else "second burst", w)
        show_threads(threads, w)
    show_profile(stats)


def show_threads(samples: list[list[float]], w: Wave) -> None:
    """What laptop 1's default-executor threads did during the wave (sampled every 20 ms)."""
    began = min(sent for sent, _ in w.moments.values())
    ended = max(done for _, done in w.moments.values())
    during = [s[1:] for s in samples if began <= s[0] <= ended]
    if not during:
        return
    print(f"  its loop's executor threads during the wave ({len(during)} samples, median / max):")
    for i, what in enumerate(("waiting for the work queue's lock", "running a queued job",
                              "a check-in (attempt_check_in)", "other or idle")):  # fmt: skip
        column = [s[i] for s in during]
        print(f"    {what:<48} {median(column):>5.1f} / {max(column):.0f}")


def show_profile(path: str) -> None:
    """Laptop 1's event-loop thread during the two bursts: the top functions, its own first."""
    import pstats

    print("\nprofile: laptop 1's event loop in the two bursts (cProfile; threads not included)")
    stats = pstats.Stats(path)
    stats.sort_stats("cumulative").print_stats(20)
    stats.sort_stats("cumulative").print_stats("facilitator/", 15)
    stats.sort_stats("tottime").print_stats(15)
    os.unlink(path)


def main() -> int:
    p = parser(__doc__.split("\n\n")[0], runs=3)
    p.add_argument("--pg-url", help=f"a PostgreSQL server (default: ${ENV_URL})")
    p.add_argument("--db-name", default=DB_NAME, help=f"the database to create (default {DB_NAME})")
    p.add_argument("--replace", action="store_true", help="drop --db-name first if it exists")
    p.add_argument("--keep", action="store_true", help="keep the database at the end")
    p.add_argument("--one-address", action="store_true", help="every phone from 127.0.0.1")
    p.add_argument("--profile", action="store_true", help="two more bursts, laptop 1 profiled")
    p.add_argument(
        "--what-if-threads",
        type=int,
        metavar="N",
        help="what if: each laptop's event loop gets a default executor of N threads "
        "(Python's default: min(32, CPUs + 4))",
    )
    args = p.parse_args()
    if args.what_if_threads is not None:
        if args.what_if_threads < 1:
            raise SystemExit("error: --what-if-threads must be at least 1")
        os.environ["FACILITATOR_BENCH_EXECUTOR"] = str(args.what_if_threads)
    if args.db_file:
        raise SystemExit("error: --db-file is for the SQLite benchmarks; this one takes --pg-url")
    server = admin_url(args.pg_url)
    print_machine()
    url = create_database(server, args.db_name, replace=args.replace)
    try:
        version = _sql(url, ["SHOW server_version"], {})[0]
        session_id, codes = seed_small(url)
        print(
            f"database: {args.db_name} on {urlsplit(url).hostname} (PostgreSQL {version}); "
            f"live session {session_id} with {len(codes)} members"
        )
        plan = [("cold", 0.0)] + [("burst", 0.0)] * args.runs + [("paced", PACED_SPACING)]
        waves: dict[str, dict[str, list[Wave]]] = {}
        for mode in ("floor", "app"):
            waves[mode] = {}
            for name, w in run_mode(
                mode, url, session_id, codes, plan, one_address=args.one_address
            ):
                waves[mode].setdefault(name, []).append(w)
        app, floor = waves["app"], waves["floor"]
        results = [
            latency_result("PG two laptops, check-in p99, 60 at once", app["burst"],
                           floor["burst"], args.runs),
            latency_result("PG two laptops, check-in p99, 60 at once, first wave", app["cold"],
                           floor["cold"], 1, target=False),
            latency_result("PG two laptops, check-in p99, paced 50 ms apart", app["paced"],
                           floor["paced"], 1),
            sync_result([w for ws in app.values() for w in ws]),
        ]  # fmt: skip
        emit(results, args)
        if args.profile:
            profile(url, session_id, codes, one_address=args.one_address)
    finally:
        if args.keep:
            print(f"kept database {args.db_name}")
        else:
            drop_database(server, args.db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
