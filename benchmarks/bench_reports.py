"""Attendance reports at clinic scale, against a hand-written SQL floor.

    python benchmarks/bench_reports.py [--runs 5] [--db-file FILE] [--profile]

Figures are medians of `--runs` runs (all groups: `--all-runs`), the floor measured in the same
run, interleaved with the report:

- core, one group: `reports.attendance_report` in-process over the five seeded years, against
  `report_floor.sql` (the same figures, checked equal) through Python's sqlite3 module.
- core, all 20 groups: the same, one report after another in one process.
- CLI, one group: `python -m facilitator report attendance GROUP --from --to --format json`, against
  the `sqlite3` shell running `report_floor.sql` on the same file (both include process start).
- CLI, all groups (INFO, with `--cli-all`): twenty CLI runs, against twenty `sqlite3` shell runs
  (there is no single command for every group).

Targets: core at most 1.5× the floor (all groups: and the floor under 1 s), CLI at most 2×.
`--profile` adds which statements take the time and
their query plans.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time
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
    timed_run,
    url_of,
)

FLOOR_SQL = (HERE / "report_floor.sql").read_text()
CORE_RATIO = 1.5
"""The in-process report: at most 1.5× its floor (one group and all groups)."""
ALL_FLOOR_SECONDS = 1.0
"""All groups: the floor itself under 1 s as well."""
CLI_RATIO = 2.0
"""The command line, process start included: at most 2× the sqlite3 shell."""


def _groups(path: Path) -> list[tuple[int, str, float, float]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return list(
            conn.execute("SELECT id, name, daily_hours, weekly_hours FROM groups ORDER BY id")
        )


def _params(group: tuple[int, str, float, float], start: dt.date, end: dt.date) -> dict:
    gid, _, daily, weekly = group
    return {
        "g": gid,
        "f": start.isoformat(),
        "t": end.isoformat(),
        "today": dt.date.today().isoformat(),
        "daily": daily,
        "weekly": weekly,
    }


def _check_equal(report, rows: list[tuple]) -> int:  # type: ignore[no-untyped-def]
    """How many members' figures differ between the report and the floor (should be 0)."""
    if len(report.participants) != len(rows):
        return abs(len(report.participants) - len(rows)) or 1
    bad = 0
    for p, row in zip(report.participants, rows, strict=True):
        mine = (
            p.name, p.external_id, p.sessions, p.present, p.late, p.excused, p.absent,
            p.left_early, p.hours, p.days_below_daily_minimum, p.weeks_below_minimum,
            p.consecutive_absences,
        )  # fmt: skip
        for a, b in zip(mine, row, strict=True):
            if (abs(a - b) > 0.011) if isinstance(a, float) else a != b:
                bad += 1
                break
    return bad


def bench_core(path: Path, runs: int, all_runs: int, start: dt.date, end: dt.date) -> list[Result]:
    """In-process: the core report against the floor query through sqlite3.

    A first pass over every group warms the caches and checks the floor's figures against the
    report's (not counted); then `runs` passes over group 1 and `all_runs` over all groups.
    """
    from facilitator.reports.attendance import attendance_report
    from facilitator.store.database import Database
    from facilitator.store.models import Group

    groups = _groups(path)
    database = Database(url_of(path))
    floor_conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    today = dt.date.today()

    def one(group: tuple[int, str, float, float]) -> tuple[float, float, int, int]:
        """(report seconds, floor seconds, member rows, rows that differ)."""
        params = _params(group, start, end)
        t0 = time.perf_counter()
        rows = floor_conn.execute(FLOOR_SQL, params).fetchall()
        t_floor = time.perf_counter() - t0
        with database.session() as db:
            target = db.get(Group, group[0])
            assert target is not None
            t0 = time.perf_counter()
            report = attendance_report(db, target, date_from=start, date_to=end, today=today)
            t_app = time.perf_counter() - t0
        return t_app, t_floor, len(rows), _check_equal(report, rows)

    members = mismatches = 0
    for group in groups:
        _, _, rows, bad = one(group)
        members += rows
        mismatches += bad
    print(f"  checked: {members} member rows, {mismatches} differ", flush=True)
    one_app: list[float] = []
    one_floor: list[float] = []
    for _ in range(runs):
        t_app, t_floor, _, _ = one(groups[0])
        one_app.append(t_app)
        one_floor.append(t_floor)
    print(f"  1 group: report {median(one_app):.3f} s, floor {median(one_floor):.3f} s", flush=True)
    all_app: list[float] = []
    all_floor: list[float] = []
    for _ in range(all_runs):
        timings = [one(group) for group in groups]
        all_app.append(sum(t[0] for t in timings))
        all_floor.append(sum(t[1] for t in timings))
        print(f"  all groups: report {all_app[-1]:.3f} s, floor {all_floor[-1]:.3f} s", flush=True)
    database.dispose()
    floor_conn.close()
    check = (
        f"floor and report agree for all {members} member rows"
        if mismatches == 0
        else f"WARNING: {mismatches} member rows differ between the floor and the report"
    )
    results = []
    for name, app, floor in (
        (f"report, core, 1 group ({groups[0][1]}, 5 y)", one_app, one_floor),
        (f"report, core, all {len(groups)} groups", all_app, all_floor),
    ):
        value, base = median(app), median(floor)
        every = "all" in name
        results.append(
            Result(
                name=name,
                value=value,
                unit="s",
                floor=base,
                target="≤ 1.5× floor, floor < 1 s" if every else "≤ 1.5× floor",
                passed=value <= CORE_RATIO * base and (base < ALL_FLOOR_SECONDS or not every),
                runs=len(app),
                detail="" if every else check,
                samples=app,
            )
        )
    return results


def bench_cli(
    path: Path, runs: int, start: dt.date, end: dt.date, *, every_group: bool
) -> list[Result]:
    """Command line: `report attendance` against the sqlite3 shell, both as new processes."""
    groups = _groups(path)
    url = url_of(path)

    def app_cmd(name: str) -> list[str]:
        return [
            PYTHON, "-m", "facilitator", "--db", url, "report", "attendance", name,
            "--from", start.isoformat(), "--to", end.isoformat(), "--format", "json",
        ]  # fmt: skip

    def floor_cmd(group: tuple[int, str, float, float]) -> list[str]:
        return sqlite_floor_command(path, literal_sql(FLOOR_SQL, _params(group, start, end)))[0]

    one_app, one_floor, rss = timed_against_floor(
        app_cmd(groups[0][1]), floor_cmd(groups[0]), runs, "report attendance"
    )
    floor_name = sqlite_floor_command(path, "")[1]
    name = f"report, CLI, 1 group ({groups[0][1]}, 5 y)"
    results = [cli_result(name, one_app, one_floor, rss, floor_name, CLI_RATIO)]
    if not every_group:
        return results
    all_app: list[float] = []
    all_floor: list[float] = []
    for _ in range(1):
        total_app = total_floor = 0.0
        for group in groups:
            total_floor += timed_run(floor_cmd(group))[0]
            total_app += timed_run(app_cmd(group[1]))[0]
        all_app.append(total_app)
        all_floor.append(total_floor)
    return results + [
        Result(
            name=f"report, CLI, all {len(groups)} groups (20 runs)",
            value=median(all_app),
            unit="s",
            floor=median(all_floor),
            target="info: no single command",
            passed=None,
            runs=len(all_app),
            samples=all_app,
        ),
    ]


def profile(path: Path, start: dt.date, end: dt.date) -> None:
    """Which statements the report runs, how long each takes, their plans; Python's share."""
    import sqlalchemy as sa

    from facilitator.reports.attendance import attendance_report
    from facilitator.store.database import Database
    from facilitator.store.models import Group

    database = Database(url_of(path))
    statements: list[tuple[float, str, object]] = []

    @sa.event.listens_for(database.engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["t0"] = time.perf_counter()

    @sa.event.listens_for(database.engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((time.perf_counter() - conn.info["t0"], statement, parameters))

    with database.session() as db:
        group = db.get(Group, 1)
        assert group is not None
        attendance_report(db, group, date_from=start, date_to=end)  # warm
        statements.clear()
        _, total, profiler = profiled(
            lambda: attendance_report(db, group, date_from=start, date_to=end)
        )
    print(f"\nprofile: one report of {group.name!r}, {total:.3f} s in all")
    plain = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    in_sql = 0.0
    for elapsed, statement, parameters in statements:
        in_sql += elapsed
        first = " ".join(statement.split())[:100]
        print(f"  {elapsed * 1000:7.1f} ms (execute) {first}...")
        plan = [row[3] for row in plain.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
        print(f"             plan: {'; '.join(plan)}")
    print(f"  {in_sql * 1000:7.1f} ms in cursor.execute, {(total - in_sql) * 1000:.1f} ms the rest")
    print_top(profiler, 12)
    database.dispose()


def main() -> int:
    p = parser(__doc__.split("\n\n")[0], runs=5)
    p.add_argument("--all-runs", type=int, default=2, help="passes over all groups (default 2)")
    p.add_argument("--profile", action="store_true", help="statements, plans and a cProfile")
    p.add_argument("--skip-cli", action="store_true", help="in-process figures only")
    p.add_argument(
        "--cli-all", action="store_true", help="also time 20 CLI runs, one per group (slow)"
    )
    args = p.parse_args()
    print_machine()
    path = db_path_from_args(args, "reports", copy=False)
    start, end = ended_range(path)
    print(f"database: {path} ({start} to {end})")
    results = bench_core(path, args.runs, args.all_runs, start, end)
    if not args.skip_cli:
        results += bench_cli(path, args.runs, start, end, every_group=args.cli_all)
    emit(results, args)
    if args.profile:
        profile(path, start, end)
    return 0


if __name__ == "__main__":
    sys.exit(main())
