"""`--meets`, `session cancel`, `schedule` and `report program` on the command line."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from facilitator.store.database import Database
from facilitator.store.models import AuditEvent, Cancellation, Group
from tests.programfixtures import MORNING, TODAY, ana_answers_craving, make_program
from tests.test_cli_groups import run_cli, stored


def test_meets_is_stored_in_one_form_and_shown(db_url: str, database: Database) -> None:
    added = run_cli(db_url, "group", "add", "Evening IOP", "--meets", "Mon-Wed 18:00-21:00")
    assert added.returncode == 0, added.stderr
    assert "meets mon,tue,wed 18:00-21:00" in added.stdout
    edited = run_cli(
        db_url, "group", "edit", "Evening IOP", "--meets", "thu 9:00-12:00; mon 13:00-16:00"
    )
    assert (edited.returncode, edited.stdout.strip()) == (0, "Changed 'Evening IOP': schedule.")
    assert stored(database)["Evening IOP"].meets == "mon 13:00-16:00; thu 09:00-12:00"
    cleared = run_cli(db_url, "group", "edit", "Evening IOP", "--meets", "none")
    assert cleared.returncode == 0
    assert stored(database)["Evening IOP"].meets is None


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("mox 09:00-12:00", "unknown day 'mox'"),
        ("mon 25:00-26:00", "'25:00'"),
        ("mon 12:00-09:00", "the end 09:00 is not after the start 12:00"),
    ],
)
def test_bad_meets_names_the_part_and_creates_nothing(
    db_url: str, database: Database, spec: str, named: str
) -> None:
    result = run_cli(db_url, "group", "add", "Evening IOP", "--meets", spec)
    assert result.returncode == 1
    assert result.stderr.startswith("error: --meets: ")
    assert named in result.stderr and "Traceback" not in result.stderr
    assert stored(database) == {}


def test_cancel_schedule_and_undo(db_url: str, database: Database) -> None:
    assert run_cli(db_url, "group", "add", "Evening IOP", "--meets", "tue,thu 18:00-21:00",
                   "--timezone", "America/Chicago").returncode == 0  # fmt: skip
    # 2026-12-03 is a Thursday.
    done = run_cli(db_url, "session", "cancel", "Evening IOP", "2026-12-03", "--reason", "Snow")
    assert done.returncode == 0, done.stderr
    assert "Cancelled 'Evening IOP' on 2026-12-03 (Snow)" in done.stdout
    listed = run_cli(db_url, "schedule", "--date", "2026-12-03", "--format", "json")
    assert json.loads(listed.stdout) == [
        {"group": "Evening IOP", "starts": "18:00", "ends": "21:00", "state": "cancelled",
         "reason": "Snow"},
    ]  # fmt: skip
    again = run_cli(db_url, "session", "cancel", "Evening IOP", "2026-12-03")
    assert (again.returncode, again.stderr.strip()) == (
        1,
        "error: Evening IOP on 2026-12-03 is already cancelled (Snow)",
    )
    friday = run_cli(db_url, "session", "cancel", "Evening IOP", "2026-12-04")
    assert friday.returncode == 1
    assert "does not meet on Fridays: 2026-12-04 is not scheduled" in friday.stderr
    bad = run_cli(db_url, "session", "cancel", "Evening IOP", "2026-12-32")
    assert bad.returncode == 1 and "is not a date" in bad.stderr
    undone = run_cli(db_url, "session", "cancel", "Evening IOP", "2026-12-03", "--undo")
    assert undone.returncode == 0
    with database.session() as db:
        assert db.exec(select(Cancellation)).all() == []
        actions = [e.action for e in db.exec(select(AuditEvent)).all()]
    assert actions[-2:] == ["meeting_cancelled", "meeting_uncancelled"]
    past = json.loads(
        run_cli(db_url, "schedule", "--date", "2026-11-26", "--format", "json").stdout
    )
    assert [m["state"] for m in past] == ["not_recorded"]
    table = run_cli(db_url, "schedule", "--date", "2026-12-02")
    assert "No meetings on 2026-12-02" in table.stdout
    refused = run_cli(db_url, "schedule", "--format", "csv")
    assert (refused.returncode, refused.stderr.strip()) == (
        1,
        "error: --format: schedule prints a table or json",
    )


def test_a_day_with_a_session_cannot_be_cancelled(db_url: str, database: Database) -> None:
    make_program(database)
    result = run_cli(db_url, "session", "cancel", MORNING, "2026-11-09")
    assert result.returncode == 1
    assert "has a session on 2026-11-09" in result.stderr
    held = json.loads(
        run_cli(db_url, "schedule", "--date", "2026-11-04", "--format", "json").stdout
    )
    assert held == [
        {"group": "Morning Skills", "starts": "09:00", "ends": "11:00", "state": "cancelled",
         "reason": "Holiday"},
        {"group": "Afternoon Process", "starts": "13:00", "ends": "14:30", "state": "held",
         "reason": None},
    ]  # fmt: skip


def test_report_program_formats(db_url: str, database: Database) -> None:
    make_program(database)
    args = ("report", "program", "--from", "2026-11-02", "--to", "2026-11-15")
    data = json.loads(run_cli(db_url, *args, "--format", "json").stdout)
    assert (data["from"], data["to"], data["weekly_hours"], data["daily_hours"]) == (
        "2026-11-02", "2026-11-15", 9.0, 3.0,
    )  # fmt: skip
    ana = next(p for p in data["people"] if p["name"] == "Ana Ortiz")
    assert ana["hours"] == 16.0 and ana["weeks_below_minimum"] == 1
    csv_out = run_cli(db_url, *args, "--format", "csv").stdout.splitlines()
    assert csv_out[0].split(",")[:4] == ["name", "external_id", "groups", "hours"]
    assert (
        "Ana Ortiz,A-1,Afternoon Process; Morning Skills,16.00,6,3,2026-W45=7.00 2026-W46=9.00,1"
        in csv_out
    )
    table = run_cli(db_url, *args).stdout
    assert "Ana Ortiz" in table and "16.00" in table
    lower = json.loads(run_cli(db_url, *args, "--weekly-hours", "6", "--format", "json").stdout)
    assert next(p for p in lower["people"] if p["name"] == "Ana Ortiz")["weeks_below_minimum"] == 0
    for bad, message in (
        (("--weekly-hours", "0"), "--weekly-hours: 0 must be more than 0"),
        (
            ("--from", "2026-11-20", "--to", "2026-11-10"),
            "--from 2026-11-20 is after --to 2026-11-10",
        ),
        (("--to", "soon"), "--to: 'soon' is not a date"),
    ):
        result = run_cli(db_url, "report", "program", *bad)
        assert result.returncode == 1 and message in result.stderr, result.stderr


def test_the_current_week_never_counts(database: Database) -> None:
    from facilitator.reports.program import program_report

    make_program(database)
    with database.session() as db:
        report = program_report(db, date_from=dt.date(2026, 11, 2), today=TODAY)
        group = db.exec(select(Group).where(Group.name == MORNING)).one()
        assert group.meets == "mon,wed,fri 09:00-11:00"
    # Week 47 (Nov 16-22) has scheduled days but has not ended on Wednesday the 18th.
    assert all(w.week != "2026-W47" for p in report.people for w in p.weeks)


def test_report_program_table_shows_each_asked_scale(db_url: str, database: Database) -> None:
    make_program(database)
    args = ("report", "program", "--from", "2026-11-02", "--to", "2026-11-15")
    assert "craving" not in run_cli(db_url, *args).stdout  # no group asks: no column
    ana_answers_craving(database, (8, 5))
    result = run_cli(db_url, *args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "craving" in next(line for line in lines if "hours" in line and "groups" in line)
    assert "(6.5)" in next(line for line in lines if "Ana Ortiz" in line)
    assert "craving: latest answer (mean) across groups" in " ".join(result.stdout.split())
    data = json.loads(run_cli(db_url, *args, "--format", "json").stdout)
    assert "craving" not in json.dumps(data)  # section 9's fields stay as they are
