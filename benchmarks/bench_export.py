"""Export of every session (about 300,000 attendance rows) to CSV and JSON: time, rate, peak RSS.

    python benchmarks/bench_export.py [--runs 3] [--db-file FILE] [--formats csv,json]

Runs `python -m facilitator --db URL export sessions --format csv|json --out FILE` on a working
copy of the seeded clinic and reads the child's peak RSS from wait4 (`ru_maxrss` of that one
process). The floor is the `sqlite3` shell writing the same records with one hand-written query
in the same run: the attendance join as CSV (`.mode csv`), and for JSON one nested object per
session built by SQLite's JSON functions (agenda, breaks, attendance, notes, addenda). Both write
to a file on the same disk. Each output is checked: one CSV line per attendance record of an
ended session; in the JSON, one `checked_in_at` key per attendance record.
Targets: at most 3× the floor and peak RSS under 200 MB for each format.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

from _common import (
    BENCH_DIR,
    PYTHON,
    Result,
    db_path_from_args,
    emit,
    median,
    parser,
    print_machine,
    print_top,
    profiled,
    timed_run,
    url_of,
)

TARGET_RATIO = 3.0
TARGET_RSS_MB = 200.0

FLOOR_CSV_DOTS = (".headers on", ".mode csv")
FLOOR_CSV = """
SELECT s.id AS session_id, s.local_date AS date, g.name AS "group", s.curriculum_id AS curriculum,
       s.topic_id AS topic, s.topic_title, s.facilitator, p.name, p.external_id, p.code, a.status,
       a.checked_in_at, a.checked_out_at, a.minutes, a.method
FROM sessions AS s
JOIN groups AS g ON g.id = s.group_id
JOIN attendance AS a ON a.session_id = s.id
JOIN participants AS p ON p.id = a.participant_id
WHERE s.state = 'ended'
ORDER BY s.started_at, s.id, p.name;
"""

FLOOR_JSON_DOTS = (".headers off", ".mode list")
FLOOR_JSON = """
SELECT json_object(
  'id', s.id, 'group', g.name, 'curriculum', s.curriculum_id, 'topic', s.topic_id,
  'facilitator', s.facilitator, 'started_at', s.started_at, 'ended_at', s.ended_at,
  'agenda', (SELECT json_group_array(json_object('title', r.title, 'kind', r.kind,
                'planned_minutes', r.planned_minutes, 'started_at', r.started_at,
                'ended_at', r.ended_at,
                'skipped', json(CASE WHEN r.skipped THEN 'true' ELSE 'false' END)))
             FROM agenda_runs AS r WHERE r.session_id = s.id),
  'breaks', (SELECT json_group_array(
                json_object('started_at', b.started_at, 'ended_at', b.ended_at))
             FROM breaks AS b WHERE b.session_id = s.id),
  'attendance', (SELECT json_group_array(json_object('name', p.name, 'external_id', p.external_id,
                    'code', p.code, 'status', a.status, 'checked_in_at', a.checked_in_at,
                    'checked_out_at', a.checked_out_at, 'minutes', a.minutes, 'method', a.method))
                 FROM attendance AS a JOIN participants AS p ON p.id = a.participant_id
                 WHERE a.session_id = s.id),
  'notes', (SELECT json_group_array(json_object('text', n.text, 'created_at', n.created_at,
               'participant', p.name, 'format', n.format, 'fields', json(n.fields)))
            FROM notes AS n LEFT JOIN participants AS p ON p.id = n.participant_id
            WHERE n.session_id = s.id),
  'addenda', (SELECT json_group_array(json_object('text', x.text, 'reason', x.reason,
                 'author', x.author, 'created_at', x.created_at))
              FROM addenda AS x WHERE x.session_id = s.id),
  'signed_by', s.signed_by, 'signed_at', s.signed_at)
FROM sessions AS s JOIN groups AS g ON g.id = s.group_id
WHERE s.state = 'ended'
ORDER BY s.started_at, s.id;
"""


def attendance_rows(path: Path) -> int:
    """Attendance records of ended sessions: what every export must contain."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM attendance AS a JOIN sessions AS s ON s.id = a.session_id "
                "WHERE s.state = 'ended'"
            ).fetchone()[0]
        )


def count_in_file(path: Path, needle: bytes) -> int:
    """Occurrences of `needle` in a file, streamed."""
    count = 0
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            block = tail + chunk
            count += block.count(needle)
            # Keep a tail shorter than the needle, so a match across chunks counts once.
            tail = block[-(len(needle) - 1) :]
    return count


def records_in(path: Path, fmt: str) -> int:
    """Attendance records in an export (CSV: lines after the header; JSON: checked_in_at keys)."""
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as handle:
            import csv

            return sum(1 for _ in csv.reader(handle)) - 1
    return count_in_file(path, b'"checked_in_at"')


def profile(path: Path, group: str) -> None:
    """One group's export in-process under cProfile, and the top functions."""
    import io

    from facilitator.exchange.export import ExportFilter, export_sessions
    from facilitator.store.database import Database

    database = Database(url_of(path))
    for fmt in ("csv", "json"):
        with database.session() as db:
            out = io.StringIO()
            count, total, profiler = profiled(
                lambda: export_sessions(db, out, fmt=fmt, filt=ExportFilter(group=group))  # noqa: B023
            )
            db.rollback()  # keep the audit event out of the working copy
        print(
            f"\nprofile: {fmt} export of {group!r} ({count} sessions) in-process, {total:.2f} s "
            "under cProfile"
        )
        print_top(profiler, 10)
    database.dispose()


def main() -> int:
    p = parser(__doc__.split("\n\n")[0], runs=3)
    p.add_argument("--formats", default="csv,json", help="comma-separated: csv,json")
    p.add_argument("--profile", action="store_true", help="also profile one group's export")
    args = p.parse_args()
    print_machine()
    path = db_path_from_args(args, "export", copy=True)
    url = url_of(path)
    expected = attendance_rows(path)
    shell = shutil.which("sqlite3")
    print(f"database: {path}; {expected:,} attendance records in ended sessions")
    if not shell:
        print("no sqlite3 shell on PATH: floors skipped")
    results: list[Result] = []
    for fmt in args.formats.split(","):
        out = BENCH_DIR / f"export.{fmt}"
        floor_out = BENCH_DIR / f"export-floor.{fmt}"
        app_times: list[float] = []
        rss: list[float] = []
        floor_times: list[float] = []
        size = 0
        for run in range(args.runs):
            if shell:
                dots = FLOOR_CSV_DOTS if fmt == "csv" else FLOOR_JSON_DOTS
                sql = FLOOR_CSV if fmt == "csv" else FLOOR_JSON
                f_time, _, _, err, status = timed_run(
                    [shell, "-readonly", str(path), *dots, f".output {floor_out}", sql]
                )
                if status != 0:
                    raise SystemExit(f"floor {fmt} failed: {err}")
                floor_times.append(f_time)
            out.unlink(missing_ok=True)
            cmd = [
                PYTHON, "-m", "facilitator", "--db", url, "export", "sessions",
                "--format", fmt, "--out", str(out),
            ]  # fmt: skip
            a_time, a_rss, stdout, err, status = timed_run(cmd)
            if status != 0:
                raise SystemExit(f"export {fmt} failed ({status}): {err.strip() or stdout}")
            app_times.append(a_time)
            rss.append(a_rss)
            size = out.stat().st_size
            found = records_in(out, fmt)
            check = "ok" if found == expected else f"MISMATCH: {found:,} records"
            print(
                f"  {fmt} run {run + 1}: {a_time:.2f} s, peak RSS {a_rss:.0f} MB, "
                f"{size / 1e6:.0f} MB written, {check}"
                + (f" | floor {floor_times[-1]:.2f} s" if floor_times else ""),
                flush=True,
            )
        seconds = median(app_times)
        floor = median(floor_times) if floor_times else None
        results.append(
            Result(
                name=f"export {fmt}, all sessions ({expected:,} attendance rows)",
                value=seconds,
                unit="s",
                floor=floor,
                target="≤ 3× floor",
                passed=floor is not None and seconds <= TARGET_RATIO * floor,
                runs=len(app_times),
                detail=(
                    f"{expected / seconds:,.0f} rows/s (floor "
                    f"{expected / floor:,.0f} rows/s); {size / 1e6:.0f} MB file"
                    if floor
                    else f"{expected / seconds:,.0f} rows/s; {size / 1e6:.0f} MB file"
                ),
                samples=app_times,
            )
        )
        results.append(
            Result(
                name=f"export {fmt}, peak RSS",
                value=max(rss),
                unit="MB",
                floor=None,
                target="< 200 MB",
                passed=max(rss) < TARGET_RSS_MB,
                runs=len(rss),
                detail="largest of the runs (ru_maxrss of the export process)",
                samples=rss,
            )
        )
    emit(results, args)
    if args.profile:
        from seed import first_group_name

        profile(path, first_group_name(url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
