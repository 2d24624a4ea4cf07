"""Every benchmark, one after another, and one summary table.

    python benchmarks/run_all.py [--quick] [--markdown FILE] [--pg-url URL]
                                 [--only startup,checkin,checkin-pg,reports,program,export,memory]

Seeds the clinic first if needed (about a minute), then runs each `bench_*.py` in its own process
with its default number of runs (`--quick`: fewer runs and 1 simulated hour, for a smoke test; its
figures are not the documented ones). Prints the machine, the load average before and after (other
work on the machine inflates every figure; the ratios to floors measured in the same run much
less), and a Markdown table of every figure with its floor, ratio, target and PASS/FAIL.
`checkin-pg` (two laptops on PostgreSQL) needs a server: `--pg-url URL` or
`$FACILITATOR_BENCH_PG_URL`; without one it is skipped, and the summary says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import HERE, PYTHON, SEED_ARGS, Result, machine, seeded_db, table
from bench_checkin_pg import ENV_URL

BENCHES = {
    "startup": ("bench_startup.py", [], ["--runs", "3"]),
    "checkin": ("bench_checkin.py", [], ["--runs", "2"]),
    "checkin-pg": ("bench_checkin_pg.py", [], ["--runs", "1"]),
    "reports": ("bench_reports.py", [], ["--runs", "2", "--all-runs", "1"]),
    "program": ("bench_program.py", [], ["--runs", "1"]),
    "export": ("bench_export.py", [], ["--runs", "1"]),
    "memory": ("bench_live_memory.py", [], ["--hours", "1"]),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    p.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHES))
    p.add_argument("--markdown", help="also write the summary (Markdown) to this file")
    p.add_argument("--pg-url", help=f"a PostgreSQL server for checkin-pg (default: ${ENV_URL})")
    args = p.parse_args()
    chosen = args.only.split(",") if args.only else list(BENCHES)
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown:
        choices = ", ".join(BENCHES)
        print(
            f"error: --only: no benchmark {', '.join(unknown)} (choose from {choices})",
            file=sys.stderr,
        )
        return 1
    pg_url = args.pg_url or os.environ.get(ENV_URL, "")
    skipped: list[str] = []
    m = machine()
    began = time.time()
    load_before = os.getloadavg()
    print(f"machine: {m['cpus']} CPU ({m['cpu']}), {m['ram']} RAM, {m['os']}")
    print(f"Python {m['python']}, SQLite {m['sqlite']}; {m['libraries']}")
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    seeded_db(**SEED_ARGS)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            script, extra, quick = BENCHES[name]
            if name == "checkin-pg" and not pg_url:
                skipped.append(f"{name}: skipped, no PostgreSQL server (--pg-url or ${ENV_URL})")
                print(f"\n=== {skipped[-1]}", flush=True)
                continue
            out = Path(folder) / f"{name}.json"
            cmd = [
                PYTHON,
                str(HERE / script),
                *extra,
                *(quick if args.quick else []),
                "--json",
                str(out),
            ]
            print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
            t0 = time.perf_counter()
            # The server's URL (and password) goes by the environment, not the printed command.
            env = dict(os.environ, **{ENV_URL: pg_url}) if pg_url else None
            done = subprocess.run(cmd, env=env)
            print(f"=== {name} took {time.perf_counter() - t0:.0f} s (exit {done.returncode})")
            if out.exists():
                results += [Result(**r) for r in json.loads(out.read_text())]
    load_after = os.getloadavg()
    summary = "\n".join(
        [
            f"machine: {m['cpus']} CPU ({m['cpu']}), {m['ram']} RAM, Python {m['python']}, "
            f"SQLite {m['sqlite']}",
            f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
            f"{(time.time() - began) / 60:.0f} min in all",
            "",
            table(results),
            *skipped,
        ]
    )
    print("\n" + summary)
    if args.markdown:
        Path(args.markdown).write_text(summary + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
