"""The audit trail exported for reviewers: every kind of event, no half-written output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from facilitator.store.audit import audit_lines, write_audit
from facilitator.store.database import Database

from .historyfixtures import make_history


def test_audit_trail_records_check_ins_status_changes_and_session_ends(database: Database) -> None:
    make_history(database)
    with database.session() as db:
        lines = list(audit_lines(db, limit=None, newest_first=False))
    actions = [line.action for line in lines]
    assert actions.count("session.start") == 6 and actions.count("session.end") == 6
    assert "checkin" in actions and "attendance.status" in actions
    checkin = next(line for line in lines if line.action == "checkin")
    assert checkin.participant == "Avery Quinn" and checkin.detail["method"] == "code"


def test_audit_csv_and_json_exports(database: Database) -> None:
    make_history(database)
    with database.session() as db:
        out = io.StringIO()
        count = write_audit(audit_lines(db, limit=None), out, "csv")
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        assert rows[0] == ["at", "actor", "action", "session_id", "participant", "detail"]
        assert len(rows) == count + 1
        out = io.StringIO()
        assert write_audit(audit_lines(db, limit=None), out, "json") == count
        assert len(json.loads(out.getvalue())) == count
        empty = io.StringIO()
        assert write_audit(iter(()), empty, "json") == 0 and json.loads(empty.getvalue()) == []


def test_export_audit_cli_records_itself_and_rejects_bad_dates(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "facilitator", "--db", db_url, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert cli("group", "add", "Audit Group", "--timezone", "UTC").returncode == 0
    target = tmp_path / "audit.json"
    result = cli("export", "audit", "--format", "json", "--out", str(target))
    assert result.returncode == 0 and "Exported 1 audit events" in result.stdout
    assert [e["action"] for e in json.loads(target.read_text())] == ["group.create"]
    again = cli("export", "audit", "--format", "csv")
    assert again.returncode == 0 and "export.audit" in again.stdout
    bad = cli("export", "audit", "--format", "csv", "--to", "yesterday")
    assert bad.returncode == 1 and "not a date" in bad.stderr and "Traceback" not in bad.stderr
