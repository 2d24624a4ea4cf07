"""`facilitator roster add|edit|discharge|readmit|list`: good input (output, exit 0, the
database) and bad input (one line on stderr, exit 1, nothing changed), through the real entry
point."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from sqlmodel import select

from facilitator.common.timeutil import today_in
from facilitator.program.roster import add_member
from facilitator.store.database import Database
from facilitator.store.models import Group

from .climembers import (
    GROUP,
    LEAD,
    NOV_2,
    ZONE,
    events,
    everything,
    make_cli,
    make_group,
    people,
    periods_of,
    refused,
)


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`facilitator --db URL ARGS...` through `main()`, as LEAD."""
    return make_cli(db_url, monkeypatch, capsys)


@pytest.fixture
def group(database: Database) -> Group:
    """Evening IOP with Avery (A-1), Blake (496G9X, no external id) and Casey."""
    return make_group(database)


# --- roster add ---------------------------------------------------------------------------------


def test_add_prints_the_new_code_and_stores_the_member(
    cli: Any, database: Database, group: Group
) -> None:
    ran = cli(
        "roster", "add", GROUP, "Devon O'Hara", "--external-id", "D-4", "--joined", "2026-11-09"
    )

    assert ran.code == 0, ran.err
    code = ran.out.strip().rsplit(" ", 1)[-1]
    assert people(database)[code] == ("Devon O'Hara", "D-4")
    assert ran.out == (
        f"Added \"Devon O'Hara\" to 'Evening IOP' from 2026-11-09; check-in code: {code}\n"
    )
    assert periods_of(database, code) == [(dt.date(2026, 11, 9), None, None)]
    assert events(database)[-1] == ("member.add", LEAD)


def test_add_with_a_given_code_and_joined_today_by_default(
    cli: Any, database: Database, group: Group
) -> None:
    ran = cli("roster", "add", GROUP, "Emery Zhou", "--code", "ez-2026")

    assert ran.code == 0, ran.err
    assert ran.out.endswith("check-in code: EZ2026\n")
    assert periods_of(database, "EZ2026") == [(today_in(ZONE), None, None)]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--code", "QUINN42"], "code 'QUINN42' is already someone else's"),
        (["--code", "ab"], "4-16 letters and digits"),
        (["--external-id", "A-1"], "external id 'A-1' is Avery Quinn's"),
        (["--joined", "2026-13-01"], "--joined: '2026-13-01' is not a date (use YYYY-MM-DD)"),
    ],
)
def test_add_refusals(
    cli: Any, database: Database, group: Group, args: list[str], named: str
) -> None:
    assert named in refused(cli, database, "roster", "add", GROUP, "Emery Zhou", *args)


def test_add_to_an_unknown_group(cli: Any, database: Database, group: Group) -> None:
    err = refused(cli, database, "roster", "add", "Weekend", "Emery Zhou")
    assert "no group named 'Weekend'" in err and "Evening IOP" in err


# --- roster edit --------------------------------------------------------------------------------


def test_edit_a_misspelt_name_keeps_the_same_person(
    cli: Any, database: Database, group: Group
) -> None:
    ran = cli("roster", "edit", GROUP, "496g9x", "--name", "Blake Morena", "--code", "496G9X")

    assert ran.code == 0, ran.err
    assert ran.out == "Changed the name of 'Blake Morena' in 'Evening IOP'.\n"
    assert people(database)["496G9X"] == ("Blake Morena", None)
    assert len(people(database)) == 3
    assert events(database)[-1] == ("member.edit", LEAD)


def test_edit_a_code_never_prints_it(cli: Any, database: Database, group: Group) -> None:
    ran = cli("roster", "edit", GROUP, "A-1", "--code", "NEWCODE9", "--external-id", "A-100")

    assert ran.code == 0, ran.err
    assert ran.out == "Changed the code and external id of 'Avery Quinn' in 'Evening IOP'.\n"
    assert "QUINN42" not in ran.out + ran.err and "NEWCODE9" not in ran.out + ran.err
    assert people(database)["NEWCODE9"] == ("Avery Quinn", "A-100")
    assert "QUINN42" not in people(database)


def test_edit_with_the_same_values_changes_nothing(
    cli: Any, database: Database, group: Group
) -> None:
    before = everything(database)
    ran = cli("roster", "edit", GROUP, "Avery Quinn", "--code", "quinn42", "--name", "Avery Quinn")
    assert ran.code == 0, ran.err
    assert ran.out == "Nothing changed: 'Avery Quinn' already has those details.\n"
    assert everything(database) == before


def test_edit_can_remove_an_external_id(cli: Any, database: Database, group: Group) -> None:
    ran = cli("roster", "edit", GROUP, "A-1", "--external-id", "")
    assert ran.code == 0, ran.err
    assert people(database)["QUINN42"] == ("Avery Quinn", None)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([], "nothing to change (give --name, --code or --external-id)"),
        (["--code", "496G9X"], "--code: '496G9X' is already someone else's"),
        (["--code", "x!"], "--code"),
        (["--external-id", "A-1"], "--external-id: 'A-1' is already someone else's"),
        (["--name", "  "], "--name: a member needs a name"),
        (["--name", "Casey Lind", "--code", "496G9X"], "--code"),
    ],
)
def test_edit_refusals(
    cli: Any, database: Database, group: Group, args: list[str], named: str
) -> None:
    assert named in refused(cli, database, "roster", "edit", GROUP, "Casey Lindqvist", *args)


def test_an_unknown_member_lists_close_names(cli: Any, database: Database, group: Group) -> None:
    err = refused(cli, database, "roster", "edit", GROUP, "Quinn", "--name", "Avery Q")
    assert "no member 'Quinn' in Evening IOP (did you mean Avery Quinn (id A-1)?)" in err


def test_an_ambiguous_name_lists_the_candidates(cli: Any, database: Database, group: Group) -> None:
    with database.session() as db:
        add_member(db, group, name="Avery Quinn", code="AVERY2", external_id="A-2", joined=NOV_2)

    for command in (
        ["edit", GROUP, "avery quinn", "--name", "Avery Q"],
        ["discharge", GROUP, "Avery Quinn", "--on", "2026-11-20"],
    ):
        err = refused(cli, database, "roster", *command)
        assert "could be any of 2 members of Evening IOP" in err
        assert "Avery Quinn (id A-1), Avery Quinn (id A-2)" in err
    assert cli("roster", "discharge", GROUP, "A-2", "--on", "2026-11-20").code == 0


# --- roster discharge and readmit -----------------------------------------------------------------


def test_discharge_then_readmit_keeps_the_first_period(
    cli: Any, database: Database, group: Group
) -> None:
    gone = cli("roster", "discharge", GROUP, "A-1", "--on", "2026-11-20", "--reason", "Transferred")
    assert gone.code == 0, gone.err
    assert gone.out == (
        "Discharged 'Avery Quinn' from 'Evening IOP': last day 2026-11-20 (transferred). "
        "Their records stay.\n"
    )
    back = cli("roster", "readmit", GROUP, "quinn42", "--on", "2026-11-30")
    assert back.code == 0, back.err
    assert back.out == "Readmitted 'Avery Quinn' to 'Evening IOP' from 2026-11-30.\n"
    assert periods_of(database, "QUINN42") == [
        (NOV_2, dt.date(2026, 11, 20), "transferred"),
        (dt.date(2026, 11, 30), None, None),
    ]
    assert events(database)[-2:] == [("member.discharge", LEAD), ("member.readmit", LEAD)]


def test_discharge_defaults_to_today_and_completed(
    cli: Any, database: Database, group: Group
) -> None:
    ran = cli("roster", "discharge", GROUP, "Casey Lindqvist")
    assert ran.code == 0, ran.err
    assert periods_of(database, "CASEY77") == [(NOV_2, today_in(ZONE), "completed")]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--on", "2026-11-01"], "--on 2026-11-01 is before Avery Quinn joined (2026-11-02)"),
        (["--on", "20-11-2026"], "--on: '20-11-2026' is not a date (use YYYY-MM-DD)"),
        (
            ["--reason", "graduated"],
            "--reason: 'graduated' is not one of completed, transferred, referred, left, other",
        ),
    ],
)
def test_discharge_refusals(
    cli: Any, database: Database, group: Group, args: list[str], named: str
) -> None:
    assert named in refused(cli, database, "roster", "discharge", GROUP, "A-1", *args)


def test_discharge_of_a_discharged_member_is_refused(
    cli: Any, database: Database, group: Group
) -> None:
    assert cli("roster", "discharge", GROUP, "A-1", "--on", "2026-11-20").code == 0
    err = refused(cli, database, "roster", "discharge", GROUP, "A-1", "--on", "2026-11-21")
    assert "Avery Quinn is not a current member of Evening IOP" in err


def test_readmit_refusals(cli: Any, database: Database, group: Group) -> None:
    err = refused(cli, database, "roster", "readmit", GROUP, "A-1", "--on", "2026-11-30")
    assert "Avery Quinn is a current member of Evening IOP already" in err
    assert cli("roster", "discharge", GROUP, "A-1", "--on", "2026-11-20").code == 0
    err = refused(cli, database, "roster", "readmit", GROUP, "A-1", "--on", "2026-11-20")
    assert "last day was 2026-11-20; a new period starts after it" in err
    err = refused(cli, database, "roster", "readmit", GROUP, "A-1", "--on", "2026-02-30")
    assert "--on: '2026-02-30' is not a date" in err


# --- roster list ----------------------------------------------------------------------------------


def _discharge_casey(database: Database) -> None:
    """Casey's last day was 2026-11-10 (referred)."""
    from facilitator.program.membership import discharge, resolve_member
    from facilitator.store.models import LeaveReason

    with database.session() as db:
        target = db.exec(select(Group)).one()
        casey = resolve_member(db, target, "CASEY77")
        discharge(db, target, casey, on=dt.date(2026, 11, 10), reason=LeaveReason.REFERRED)


def test_list_json_current_then_discharged(cli: Any, database: Database, group: Group) -> None:
    _discharge_casey(database)

    current = json.loads(cli("roster", "list", GROUP, "--format", "json").out)
    everyone = cli("roster", "list", GROUP, "--all", "--codes", "--format", "json")

    assert current == [
        {"name": n, "external_id": x, "joined": "2026-11-02", "left": None, "reason": None}
        for n, x in [("Avery Quinn", "A-1"), ("Blake Moreno", None)]
    ]
    assert everyone.code == 0, everyone.err
    assert json.loads(everyone.out) == [
        {**current[0], "code": "QUINN42"},
        {**current[1], "code": "496G9X"},
        {
            "name": "Casey Lindqvist",
            "external_id": None,
            "joined": "2026-11-02",
            "left": "2026-11-10",
            "reason": "referred",
            "code": "CASEY77",
        },
    ]


def test_list_csv_has_the_same_columns(cli: Any, database: Database, group: Group) -> None:
    _discharge_casey(database)
    ran = cli("roster", "list", GROUP, "--all", "--format", "csv")
    assert ran.code == 0, ran.err
    rows = list(csv.reader(io.StringIO(ran.out)))
    assert rows[0] == ["name", "external_id", "joined", "left", "reason"]
    assert rows[1:] == [
        ["Avery Quinn", "A-1", "2026-11-02", "", ""],
        ["Blake Moreno", "", "2026-11-02", "", ""],
        ["Casey Lindqvist", "", "2026-11-02", "2026-11-10", "referred"],
    ]
    assert cli("roster", "list", GROUP, "--codes", "--format", "csv").out.splitlines()[0] == (
        "name,external_id,joined,left,reason,code"
    )


def test_list_table_hides_the_discharged_unless_all(
    cli: Any, database: Database, group: Group
) -> None:
    _discharge_casey(database)
    current = cli("roster", "list", GROUP)
    everyone = cli("roster", "list", GROUP, "--all")

    assert "Evening IOP: 2 members" in current.out and "Casey" not in current.out
    assert "Evening IOP: 2 members, 1 discharged" in everyone.out
    lines = [line for line in everyone.out.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in lines] == [
        "Avery Quinn",
        "Blake Moreno",
        "Casey Lindqvist",
    ]
    assert "2026-11-10" in lines[-1] and "referred" in lines[-1]
    assert "QUINN42" not in everyone.out


def test_list_when_everyone_left_says_how_to_see_them(
    cli: Any, database: Database, group: Group
) -> None:
    for who in ("A-1", "496G9X", "CASEY77"):
        assert cli("roster", "discharge", GROUP, who, "--on", "2026-11-10").code == 0
    ran = cli("roster", "list", GROUP)
    assert ran.out == "Evening IOP has no current members (3 discharged: --all lists them).\n"
    assert json.loads(cli("roster", "list", GROUP, "--format", "json").out) == []


def test_list_with_a_bad_format_is_a_usage_error(cli: Any, group: Group) -> None:
    ran = cli("roster", "list", GROUP, "--format", "xml")
    assert ran.code == 2 and "xml" in ran.err
