"""Times as people read them (the group's zone, to the minute) and as exports carry them
(ISO 8601 with offset, to the second), whatever precision the database holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from facilitator.app import make_app
from facilitator.common.clock import FakeClock
from facilitator.common.timeutil import local_minute
from facilitator.errors import UserError
from facilitator.exchange.importer import import_sessions
from facilitator.screens.audit_screen import AuditScreen
from facilitator.screens.home import HomeScreen
from facilitator.session.signing import sign_session
from facilitator.store.audit import audit_lines, write_audit
from facilitator.store.database import Database, open_database

from .conftest import START
from .historyfixtures import make_history
from .test_export import export_text, record_session

EXPORTED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
MINUTE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


def timestamps(value: Any) -> list[str]:
    """Every `*_at` value in an exported JSON structure."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if (key.endswith("_at") or key == "at") and isinstance(item, str):
                found.append(item)
            else:
                found.extend(timestamps(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(timestamps(item))
    return found


@pytest.fixture
def precise_clock() -> FakeClock:
    """Monday 09:00 Chicago, with the microseconds a real clock has."""
    return FakeClock(START.replace(microsecond=583645))


def test_local_minute() -> None:
    moment = dt.datetime(2026, 12, 1, 14, 6, 29, 583645, tzinfo=dt.UTC)
    assert local_minute(moment, "America/Chicago") == "2026-12-01 08:06"
    assert local_minute(None, "UTC") == ""


async def test_the_audit_screen_shows_the_groups_local_time(database: Database) -> None:
    make_history(database)  # sessions start 15:00 UTC, 09:00 in Chicago
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one("#audit", DataTable)
        header = [str(column.label) for column in table.columns.values()]
        rows = [[str(cell) for cell in table.get_row(key)] for key in table.rows]
    assert header[0] == "when" and "UTC" not in " ".join(header)
    starts = [row[0] for row in rows if row[2] == "session.start"]
    assert starts and all(MINUTE.match(when) for when in starts)
    assert sorted(starts)[0] == "2026-11-02 09:00"
    assert all(MINUTE.match(row[0]) for row in rows)
    assert not any(":00:" in row[0] or "15:00" in row[0] for row in rows)


def test_an_error_with_a_time_reads_it_to_the_minute_in_local_time(
    database: Database, precise_clock: FakeClock
) -> None:
    recorded = record_session(database, precise_clock)
    signed_at = precise_clock.advance(minutes=5)
    with database.session() as db:
        sign_session(db, recorded.session_id, by="Jordan Rivers, LCSW", now=signed_at)
    with database.session() as db, pytest.raises(UserError) as refused:
        sign_session(db, recorded.session_id, by="Jordan Rivers, LCSW", now=signed_at)
    message = str(refused.value)
    when = local_minute(signed_at, "America/Chicago")
    assert f"({when})" in message and MINUTE.match(when)
    assert "T" not in when and "+00:00" not in message and ".583645" not in message


def test_json_csv_and_audit_exports_carry_seconds_and_an_offset(
    database: Database, precise_clock: FakeClock
) -> None:
    record_session(database, precise_clock)
    sessions = json.loads(export_text(database, "json"))
    stamps = [s for s in timestamps(sessions) if s is not None]
    assert len(stamps) > 10
    assert all(EXPORTED.match(stamp) for stamp in stamps), stamps
    assert sessions[0]["started_at"] == "2026-11-16T09:00:00-06:00"

    rows = list(csv.DictReader(io.StringIO(export_text(database, "csv"), newline="")))
    cells = [row[key] for row in rows for key in ("checked_in_at", "checked_out_at") if row[key]]
    assert cells and all(EXPORTED.match(cell) for cell in cells), cells

    for fmt in ("csv", "json"):
        out = io.StringIO()
        with database.session() as db:
            write_audit(audit_lines(db, limit=None), out, fmt)
        if fmt == "json":
            ats = [event["at"] for event in json.loads(out.getvalue())]
        else:
            ats = [row["at"] for row in csv.DictReader(io.StringIO(out.getvalue()))]
        assert ats and all(EXPORTED.match(at) for at in ats), ats


def test_import_reads_old_exports_with_microseconds(
    database: Database, precise_clock: FakeClock, tmp_path: Path
) -> None:
    record_session(database, precise_clock)
    new = export_text(database, "json")
    old = re.sub(r"T(\d\d:\d\d:\d\d)([+-]\d\d:\d\d)", r"T\1.583645\2", new)
    assert old != new and ".583645-06:00" in old
    for name, text in (("old.json", old), ("new.json", new)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        other = open_database(f"sqlite:///{tmp_path / (name + '.db')}")
        try:
            with other.session() as db:
                assert import_sessions(db, path).imported == 1
            assert export_text(other, "json") == new  # whichever file it came from
        finally:
            other.dispose()
