"""`facilitator group add|list`: defaults, options, refusals and member counts."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from facilitator.cli import app
from facilitator.common.timeutil import machine_timezone
from facilitator.errors import UserError
from facilitator.program.groups import create_group, get_group, list_groups
from facilitator.program.roster import add_member, members
from facilitator.store.database import Database
from facilitator.store.models import Group

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # so Rich never wraps a group name


def invoke(db_url: str, *args: str) -> Any:
    """`facilitator --db URL ...` in-process (UserError surfaces as result.exception)."""
    return runner.invoke(app, ["--db", db_url, *args], env=WIDE)


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point, where exit statuses and stderr are decided."""
    return subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", db_url, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **WIDE},
        timeout=60,
    )


def stored(database: Database) -> dict[str, Group]:
    """Every group in the database by name."""
    with database.session() as db:
        return {g.name: g for g in db.exec(select(Group)).all()}


def table_rows(output: str) -> dict[str, list[str]]:
    """The body rows of a Rich table printed to `output`, keyed by their first cell."""
    rows = {}
    for line in output.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            rows[cells[0]] = cells[1:]
    return rows


# --- group add ---------------------------------------------------------------------------------


def test_add_with_defaults(db_url: str, database: Database) -> None:
    result = invoke(db_url, "group", "add", "Evening IOP")

    assert result.exit_code == 0, result.output
    tz = machine_timezone()
    assert f"Created group 'Evening IOP': 9 h/week, 3 h/day, time zone {tz}." in result.output
    group = stored(database)["Evening IOP"]
    assert (group.weekly_hours, group.daily_hours, group.timezone) == (9.0, 3.0, tz)
    assert group.note_format == "DAP"


def test_add_with_options(db_url: str, database: Database) -> None:
    result = invoke(
        db_url,
        "group",
        "add",
        "  Morning IOP  ",
        "--weekly-hours",
        "12",
        "--daily-hours",
        "3.5",
        "--timezone",
        "America/Chicago",
        "--note-format",
        "birp",
    )

    assert result.exit_code == 0, result.output
    assert "12 h/week, 3.5 h/day, time zone America/Chicago" in result.output
    group = stored(database)["Morning IOP"]
    assert (group.weekly_hours, group.daily_hours) == (12.0, 3.5)
    assert (group.timezone, group.note_format) == ("America/Chicago", "BIRP")


def test_time_zone_is_forgiving_about_case(db_url: str, database: Database) -> None:
    result = invoke(db_url, "group", "add", "Lakeside", "--timezone", " america/new_york ")
    assert result.exit_code == 0, result.output
    assert stored(database)["Lakeside"].timezone == "America/New_York"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--weekly-hours", "0"], "--weekly-hours"),
        (["--weekly-hours", "-3"], "--weekly-hours"),
        (["--weekly-hours", "nan"], "--weekly-hours"),
        (["--weekly-hours", "41"], "--weekly-hours"),
        (["--daily-hours", "0"], "--daily-hours"),
        (["--daily-hours", "-1"], "--daily-hours"),
        (["--note-format", "NOTES"], "NOTES"),
        (["--late-after", "-5"], "--late-after"),
    ],
)
def test_nonsense_settings_are_refused(
    db_url: str, database: Database, options: list[str], named: str
) -> None:
    result = invoke(db_url, "group", "add", "Evening IOP", *options)
    assert isinstance(result.exception, UserError), result.output
    assert named in str(result.exception)
    assert stored(database) == {}


def test_a_name_differing_only_in_case_is_a_duplicate(db_url: str, database: Database) -> None:
    assert invoke(db_url, "group", "add", "Evening IOP").exit_code == 0
    result = invoke(db_url, "group", "add", "evening iop")
    assert isinstance(result.exception, UserError)
    assert "'Evening IOP' already exists" in str(result.exception)
    assert list(stored(database)) == ["Evening IOP"]


def test_control_characters_in_a_group_name_are_removed(database: Database) -> None:
    with database.session() as db:
        group = create_group(db, name="Evening\x1b[2J\tIOP\x07", timezone="UTC")
    assert group.name == "Evening IOP"
    with pytest.raises(UserError, match="needs a name"), database.session() as db:
        create_group(db, name="\x1b[2J \x07", timezone="UTC")


def test_get_group_ignores_case_and_names_the_choices(database: Database) -> None:
    with database.session() as db:
        create_group(db, name="Evening IOP", timezone="UTC")
        create_group(db, name="Morning IOP", timezone="UTC")
        assert get_group(db, "EVENING iop").name == "Evening IOP"
        with pytest.raises(UserError, match="Evening IOP, Morning IOP"):
            get_group(db, "Weekend")


# --- exit statuses through the real entry point -------------------------------------------------


def test_duplicate_name_exits_1(db_url: str, database: Database) -> None:
    assert invoke(db_url, "group", "add", "Evening IOP").exit_code == 0
    result = run_cli(db_url, "group", "add", "Evening IOP")
    assert result.returncode == 1
    assert result.stderr == "error: a group named 'Evening IOP' already exists\n"
    assert len(stored(database)) == 1


def test_unknown_time_zone_exits_1_naming_it(db_url: str, database: Database) -> None:
    result = run_cli(db_url, "group", "add", "Evening IOP", "--timezone", "Mars/Olympus_Mons")
    assert result.returncode == 1
    assert "Mars/Olympus_Mons" in result.stderr
    assert "Traceback" not in result.stderr
    assert stored(database) == {}


def test_zero_weekly_hours_exits_1(db_url: str, database: Database) -> None:
    result = run_cli(db_url, "group", "add", "Evening IOP", "--weekly-hours", "0")
    assert result.returncode == 1
    assert result.stderr.startswith("error: --weekly-hours: 0 ")
    assert stored(database) == {}


def test_missing_name_is_a_usage_error_exit_2(db_url: str) -> None:
    result = run_cli(db_url, "group", "add")
    assert result.returncode == 2
    assert "Missing argument" in result.stderr


# --- group list --------------------------------------------------------------------------------


def test_list_with_no_groups_says_how_to_add_one(db_url: str) -> None:
    result = invoke(db_url, "group", "list")
    assert result.exit_code == 0
    assert "No groups yet" in result.output
    assert "facilitator group add NAME" in result.output


def test_list_shows_current_member_counts(db_url: str, database: Database) -> None:
    with database.session() as db:
        evening = create_group(db, name="Evening IOP", timezone="America/Chicago")
        morning = create_group(db, name="Morning IOP", weekly_hours=12, timezone="UTC")
        create_group(db, name="[bold]Weekend[/bold]", timezone="UTC")
        for name in ["Avery Quinn", "Blake Moreno", "Casey Lindqvist"]:
            add_member(db, evening, name=name, joined=dt.date(2026, 11, 2))
        add_member(db, morning, name="Devon O'Hara", joined=dt.date(2026, 11, 2))
        gone = members(db, evening)[0].membership
        gone.left = dt.date(2026, 11, 10)  # discharged: no longer counted
        db.add(gone)

    result = invoke(db_url, "group", "list")

    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert rows["Evening IOP"][:4] == ["2", "9", "3", "America/Chicago"]
    assert rows["Morning IOP"][:4] == ["1", "12", "3", "UTC"]
    assert rows["[bold]Weekend[/bold]"][0] == "0"  # shown as typed, not as markup
    with database.session() as db:
        assert [(s.group.name, s.members) for s in list_groups(db)] == [
            ("Evening IOP", 2),
            ("Morning IOP", 1),
            ("[bold]Weekend[/bold]", 0),
        ]
