"""The program report (every person across all their groups) at clinic scale, against a SQL floor.

    python benchmarks/bench_program.py [--runs 3] [--db-file FILE] [--profile] [--skip-cli]

Figures are medians of `--runs` runs, the floor measured in the same run, interleaved with the
report:

- core: `reports.program.program_report` in-process over the five seeded years (all 5,390
  people, 20 groups), against `program_floor.sql` (per person, per local day, the service minutes
  summed over every group, and whether they attended) through Python's sqlite3 module. Each
  person's hours are checked against the floor's sum.
- CLI: `python -m facilitator report program --from --to --format json`, against the `sqlite3`
  shell running `program_floor.sql` on the same file (both include process start).

Targets: core at most 1.5× the floor, CLI at most 2×. `--profile` adds a cProfile of one report.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

from _common import (
    HERE,
    PYTHON,
    Result,
    cli_result,
    db_path_from_args,
    emit,
    ended_range,
    literal_sql,
    median,
    parser,
    print_machine,
    print_top,
    profiled,
    sqlite_floor_command,
    timed_against_floor,
    url_of,
)

FLOOR_SQL = (HERE / "program_floor.sql").read_text()
CORE_RATIO = 1.5
CLI_RATIO = 2.0
TODAY = dt.date(2026, 12, 1)
"""A fixed `today` after the seeded history, so every week of the range has ended."""


def _mismatches(report, rows: list[tuple]) -> int:  # type: ignore[no-untyped-def]
    """People whose hours differ between the report and the floor's per-day minutes."""
    minutes: dict[int, float] = defaultdict(float)
    for pid, _, day_minutes, _ in rows:
        minutes[pid] += day_minutes or 0.0
    return sum(
        1
        for person in report.people
        if abs(person.hours - round(minutes.get(person.participant_id, 0.0) / 60.0, 2)) > 0.011
    )


def bench_core(path: Path, runs: int, start: dt.date, end: dt.date) -> list[Result]:
    """In-process: the program report against the floor query through sqlite3 (first pass warms
    the caches and checks the figures; not counted)."""
    from facilitator.reports.program import program_report
    from facilitator.store.database import Database

    database = Database(url_of(path))
    floor_conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    params = {"f": start.isoformat(), "t": end.isoformat()}
    app: list[float] = []
    floor: list[float] = []
    check = ""
    for run in range(runs + 1):
        t0 = time.perf_counter()
        rows = floor_conn.execute(FLOOR_SQL, params).fetchall()
        t_floor = time.perf_counter() - t0
        with database.session() as db:
            t0 = time.perf_counter()
            report = program_report(db, date_from=start, date_to=end, today=TODAY)
            t_app = time.perf_counter() - t0
        if run == 0:
            bad = _mismatches(report, rows)
            check = (
                f"floor and report agree on the hours of all {len(report.people)} people"
                if bad == 0
                else f"WARNING: {bad} people's hours differ between the floor and the report"
            )
            print(f"  checked: {check}", flush=True)
            continue
        app.append(t_app)
        floor.append(t_floor)
        print(f"  run {run}: report {t_app:.3f} s, floor {t_floor:.3f} s", flush=True)
    database.dispose()
    floor_conn.close()
    value, base = median(app), median(floor)
    return [
        Result(
            name="program report, core, all people × 5 years",
            value=value,
            unit="s",
            floor=base,
            target="≤ 1.5× floor",
            passed=value <= CORE_RATIO * base,
            runs=len(app),
            detail=check,
            samples=app,
        )
    ]


def bench_cli(path: Path, runs: int, start: dt.date, end: dt.date) -> list[Result]:
    """Command line: `report program --format json` against the sqlite3 shell, both new
    processes."""
    sql = literal_sql(FLOOR_SQL, {"f": start.isoformat(), "t": end.isoformat()})
    app_cmd = [
        PYTHON, "-m", "facilitator", "--db", url_of(path), "report", "program",
        "--from", start.isoformat(), "--to", end.isoformat(), "--format", "json",
    ]  # fmt: skip
    floor_cmd, floor_name = sqlite_floor_command(path, sql)

    def each(run: int, a_time: float, f_time: float) -> None:
        print(f"  CLI run {run}: report {a_time:.3f} s, floor {f_time:.3f} s", flush=True)

    app, floor, rss = timed_against_floor(app_cmd, floor_cmd, runs, "report program", each)
    name = "program report, CLI (`--format json`)"
    return [cli_result(name, app, floor, rss, floor_name, CLI_RATIO)]


def profile(path: Path, start: dt.date, end: dt.date) -> None:
    """One program report under cProfile: the top functions by own time."""
    from facilitator.reports.program import program_report
    from facilitator.store.database import Database

    database = Database(url_of(path))
    with database.session() as db:
        _, seconds, profiler = profiled(
            lambda: program_report(db, date_from=start, date_to=end, today=TODAY)
        )
        print(f"\nprofile: one program report, {seconds:.3f} s under cProfile")
    print_top(profiler, 15)
    database.dispose()


def main() -> int:
    p = parser(__doc__.split("\n\n")[0], runs=3)
    p.add_argument("--profile", action="store_true", help="a cProfile of one report")
    p.add_argument("--skip-cli", action="store_true", help="in-process figure only")
    args = p.parse_args()
    print_machine()
    path = db_path_from_args(args, "program", copy=False)
    start, end = ended_range(path)
    print(f"database: {path} ({start} to {end})")
    results = bench_core(path, args.runs, start, end)
    if not args.skip_cli:
        results += bench_cli(path, args.runs, start, end)
    emit(results, args)
    if args.profile:
        profile(path, start, end)
    return 0


if __name__ == "__main__":
    sys.exit(main())
