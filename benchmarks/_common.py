"""Shared helpers of the benchmark scripts: the seeded database, statistics, results, the machine.

Not a test module and not part of the package: the scripts in this folder import it by path
(a script's own folder is on `sys.path`).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable

BENCH_DIR = Path(os.environ.get("FACILITATOR_BENCH_DIR", "/tmp/facilitator-bench"))
"""Where the seeded clinic and the benchmarks' working copies live (override with the env var)."""

SEED_ARGS = {"years": 5, "groups": 20, "seed": 1}
"""The clinic every benchmark runs against unless told otherwise."""


# -- the seeded database --------------------------------------------------------------------------


def schema_fingerprint() -> str:
    """A short hash of the seed script, the models and the migrations: a new one re-seeds."""
    import hashlib

    digest = hashlib.sha256()
    package = ROOT / "facilitator"
    files = [HERE / "seed.py", package / "store" / "models.py"]
    files += sorted((package / "store" / "migrations" / "versions").glob("*.py"))
    for file in files:
        if file.is_file():
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:8]


def seeded_db(years: float = 5, groups: int = 20, seed: int = 1) -> Path:
    """The pristine seeded SQLite file for these arguments, seeding it first if it is missing.

    The file name carries `schema_fingerprint()`, so a change to the models, the migrations or
    the seed script seeds a new file instead of benchmarking a stale one.
    """
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"clinic-{years:g}y-{groups}g-seed{seed}-{schema_fingerprint()}.db"
    if not path.exists():
        partial = path.with_suffix(".partial.db")
        print(f"seeding {path} (once; about a minute)...", file=sys.stderr, flush=True)
        subprocess.run(
            [
                PYTHON,
                str(HERE / "seed.py"),
                "--db",
                f"sqlite:///{partial}",
                "--years",
                str(years),
                "--groups",
                str(groups),
                "--seed",
                str(seed),
                "--replace",
            ],
            check=True,
            stdout=sys.stderr,
        )
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(path)
    return path


def working_copy(source: Path, name: str) -> Path:
    """A fresh copy of the seeded file for a benchmark that writes (the original stays pristine)."""
    target = BENCH_DIR / f"work-{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target


def url_of(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def db_path_from_args(args: argparse.Namespace, name: str, *, copy: bool) -> Path:
    """`--db-file` if given, else the seeded clinic (a working copy if the benchmark writes)."""
    if args.db_file:
        return Path(args.db_file)
    pristine = seeded_db(**SEED_ARGS)
    return working_copy(pristine, name) if copy else pristine


def ended_range(path: Path) -> tuple[dt.date, dt.date]:
    """The first and last local dates of the seeded file's ended sessions."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        first, last = conn.execute(
            "SELECT min(local_date), max(local_date) FROM sessions WHERE state = 'ended'"
        ).fetchone()
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


def literal_sql(sql: str, params: dict[str, object]) -> str:
    """A parameterised SQL file with its `:name` parameters written in, for the sqlite3 shell
    (comment lines dropped)."""

    def value(match: re.Match[str]) -> str:
        v = params[match.group(1)]
        return f"'{v}'" if isinstance(v, str) else repr(v)

    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    return re.sub(r":(\w+)", value, body)


def group_names(path: Path) -> list[str]:
    """The seeded groups' names, by id."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM groups ORDER BY id")]


# -- statistics ------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median (nan when empty)."""
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile, nearest rank (p99 of 60 samples is the largest but none)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process (default: this one) in MB, from /proc."""
    with open(f"/proc/{pid or 'self'}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return math.nan


def timed_run(
    cmd: Sequence[str], env: dict[str, str] | None = None
) -> tuple[float, float, str, str, int]:
    """Run a command: (wall seconds, its peak RSS in MB, stdout, stderr, exit status).

    Peak RSS is this one child's `ru_maxrss` (from wait4), so earlier children cannot mask it.
    Output goes through temporary files, so a large output never blocks the child on a pipe.
    """
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            elapsed,
            usage.ru_maxrss / 1024.0,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            proc.returncode,
        )


def sqlite_floor_command(path: Path, sql: str) -> tuple[list[str], str]:
    """The command that runs a floor's `sql` on the file, and its name: the `sqlite3` shell, or
    Python's sqlite3 module when there is no shell."""
    shell = shutil.which("sqlite3")
    if shell:
        return [shell, "-readonly", str(path), sql], "sqlite3 shell"
    code = "import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);c.execute(sys.argv[2]).fetchall()"
    return [PYTHON, "-c", code, str(path), sql], "python -c sqlite3 (no sqlite3 shell found)"


def timed_against_floor(
    app_cmd: Sequence[str],
    floor_cmd: Sequence[str],
    runs: int,
    what: str,
    each: Callable[[int, float, float], None] | None = None,
) -> tuple[list[float], list[float], list[float]]:
    """The floor's command then the app's, `runs` + 1 times, the first not counted (it warms the
    disk cache): (app seconds, floor seconds, app peak RSS in MB). `each(run, app, floor)` after
    each counted run. A command that fails ends the benchmark, saying which (`what`: the app's)."""
    app: list[float] = []
    floor: list[float] = []
    rss: list[float] = []
    for run in range(runs + 1):
        f_time, _, _, err, status = timed_run(floor_cmd)
        if status != 0:
            raise SystemExit(f"floor query failed: {err}")
        a_time, a_rss, _, err, status = timed_run(app_cmd)
        if status != 0:
            raise SystemExit(f"{what} failed: {err}")
        if run:
            app.append(a_time)
            floor.append(f_time)
            rss.append(a_rss)
            if each is not None:
                each(run, a_time, f_time)
    return app, floor, rss


def profiled(work: Callable[[], T]) -> tuple[T, float, cProfile.Profile]:
    """`work()` under cProfile: (what it returned, the seconds it took, the profiler)."""
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    try:
        result = work()
    finally:
        profiler.disable()
    return result, time.perf_counter() - began, profiler


def print_top(profiler: cProfile.Profile, count: int) -> None:
    """The `count` functions with the most time of their own."""
    import pstats

    pstats.Stats(profiler).sort_stats("tottime").print_stats(count)


# -- results ---------------------------------------------------------------------------------------


@dataclass
class Result:
    """One figure, its floor (if any), and whether it meets its target."""

    name: str
    value: float
    unit: str
    target: str
    passed: bool | None
    floor: float | None = None
    runs: int = 1
    detail: str = ""
    samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """value / floor."""
        if self.floor in (None, 0) or self.floor is None:
            return None
        return self.value / self.floor

    @property
    def verdict(self) -> str:
        """PASS, FAIL or INFO (no target)."""
        return "INFO" if self.passed is None else ("PASS" if self.passed else "FAIL")


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    return f"{value:g} {unit}"


def table(results: Iterable[Result]) -> str:
    """A Markdown table of results."""
    lines = [
        "| benchmark | median | floor | ratio | target | runs | result |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "-"
        lines.append(
            f"| {r.name} | {_fmt(r.value, r.unit)} | {_fmt(r.floor, r.unit)} | {ratio} | "
            f"{r.target} | {r.runs} | {r.verdict} |"
        )
    return "\n".join(lines)


def cli_result(
    name: str,
    app: list[float],
    floor: list[float],
    rss: list[float],
    floor_name: str,
    ratio: float,
) -> Result:
    """A command line's median against its floor's, with its target ratio and peak RSS."""
    value, base = median(app), median(floor)
    return Result(
        name=name,
        value=value,
        unit="s",
        floor=base,
        target=f"≤ {ratio:g}× floor",
        passed=value <= ratio * base,
        runs=len(app),
        detail=f"floor: {floor_name}; report peak RSS {median(rss):.0f} MB",
        samples=app,
    )


def emit(results: list[Result], args: argparse.Namespace) -> int:
    """Print the table and details; write `--json` if asked. Exit 0: figures, not tests."""
    print()
    print(table(results))
    for r in results:
        if r.detail:
            print(f"  {r.name}: {r.detail}")
    if getattr(args, "json", None):
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


def parser(description: str, *, runs: int) -> argparse.ArgumentParser:
    """The options every benchmark script takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--db-file",
        help="an already seeded SQLite file (default: the seeded clinic in $FACILITATOR_BENCH_DIR)",
    )
    p.add_argument("--runs", type=int, default=runs, help=f"measured runs (default {runs})")
    p.add_argument("--json", help="also write the results to this JSON file")
    return p


# -- the machine -----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """nproc, CPU model, RAM, OS, Python and the key library versions."""
    from importlib.metadata import version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    libs = []
    for name in ("textual", "sqlalchemy", "sqlmodel", "aiohttp", "rich"):
        with contextlib.suppress(Exception):
            libs.append(f"{name} {version(name)}")
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "libraries": ", ".join(libs),
    }


def print_machine() -> None:
    """One line about the machine, for the top of a benchmark's output."""
    m = machine()
    print(
        f"machine: {m['cpus']} CPU ({m['cpu']}), {m['ram']} RAM, {m['os']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}"
    )
