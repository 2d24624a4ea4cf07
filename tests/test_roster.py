"""Roster import (all-or-nothing, every bad row named by its line) and `roster list`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from facilitator.cli import app
from facilitator.errors import ManyErrors, UserError
from facilitator.exchange.roster_csv import import_csv
from facilitator.program import codes
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member, clean_name, find_by_code, members
from facilitator.store.database import Database
from facilitator.store.models import Group, Membership, Participant

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # so Rich neither wraps nor cuts a name
LOOK_ALIKES = set("0O1IL5S2Z8B")
UNICODE_NAMES = ["Zoë O'Brien-Ruiz", "José Núñez", "Anne-Marie Łukasik", "Nguyễn Thị Minh Khai"]


def write(folder: Path, text: str | bytes, name: str = "roster.csv") -> Path:
    """A CSV file with exactly this content (str is written as UTF-8)."""
    path = folder / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@pytest.fixture
def group(database: Database) -> Group:
    """An empty group in Chicago."""
    with database.session() as db:
        return create_group(db, name="Evening IOP", timezone="America/Chicago")


def do_import(database: Database, group: Group, path: Path, *, short: bool = True) -> Any:
    """Import `path` into `group` in one unit of work (rolled back on any problem); these tests
    use short badge codes, so they allow them unless `short` is False."""
    with database.session() as db:
        return import_csv(db, group, path, allow_short_codes=short)


def problems_of(database: Database, group: Group, path: Path) -> list[str]:
    """The problem lines an import reports (and check that it changed nothing)."""
    before = roster(database, group)
    with pytest.raises(UserError) as caught:
        do_import(database, group, path)
    assert roster(database, group) == before, "a failed import must change nothing"
    error = caught.value
    return error.problems if isinstance(error, ManyErrors) else [str(error)]


def roster(database: Database, group: Group) -> dict[str, tuple[str, str | None, dt.date]]:
    """name → (code, external_id, joined) for the group's current members."""
    with database.session() as db:
        return {
            m.participant.name: (m.participant.code, m.participant.external_id, m.membership.joined)
            for m in members(db, group)
        }


def participant_count(database: Database) -> int:
    """How many people the database knows, in any group."""
    with database.session() as db:
        return len(db.exec(select(Participant)).all())


# --- a good import ------------------------------------------------------------------------------


def test_unicode_names_round_trip_through_roster_list(
    tmp_path: Path, db_url: str, database: Database, group: Group
) -> None:
    rows = "\n".join(f"{name},,E{i}," for i, name in enumerate(UNICODE_NAMES))
    path = write(tmp_path, f"name,code,external_id,joined\n{rows}\n")

    imported = runner.invoke(
        app, ["--db", db_url, "roster", "import", "Evening IOP", str(path)], env=WIDE
    )
    assert imported.exit_code == 0, imported.output
    assert "Imported 4 members into 'Evening IOP': 4 added, 0 updated." in imported.output

    listed = runner.invoke(
        app, ["--db", db_url, "roster", "list", "evening iop", "--codes"], env=WIDE
    )
    assert listed.exit_code == 0, listed.output
    stored = roster(database, group)
    assert sorted(stored) == sorted(UNICODE_NAMES)
    for name, (code, external_id, _joined) in stored.items():
        line = next(line for line in listed.output.splitlines() if name in line)
        assert code in line and f" {external_id} " in line
    assert "Evening IOP: 4 members" in listed.output


def test_roster_list_without_codes_hides_them(
    tmp_path: Path, db_url: str, database: Database, group: Group
) -> None:
    do_import(database, group, write(tmp_path, "name,code\nAvery Quinn,QUINN42\n"))
    listed = runner.invoke(app, ["--db", db_url, "roster", "list", "Evening IOP"], env=WIDE)
    assert "Avery Quinn" in listed.output
    assert "QUINN42" not in listed.output
    with_codes = runner.invoke(
        app, ["--db", db_url, "roster", "list", "Evening IOP", "--codes"], env=WIDE
    )
    assert "QUINN42" in with_codes.output


def test_roster_list_of_an_empty_group_says_how_to_import(db_url: str, group: Group) -> None:
    listed = runner.invoke(app, ["--db", db_url, "roster", "list", "Evening IOP"], env=WIDE)
    assert listed.exit_code == 0
    assert "no members yet" in listed.output


def test_given_codes_are_stored_normalised_and_found_loosely(
    tmp_path: Path, database: Database, group: Group
) -> None:
    path = write(
        tmp_path, "name,code,joined\nAvery Quinn,ab-cd 12,2026-11-02\nBlake Moreno,7731,\n"
    )
    result = do_import(database, group, path)
    assert (result.added, result.updated) == (2, 0)
    stored = roster(database, group)
    assert stored["Avery Quinn"] == ("ABCD12", None, dt.date(2026, 11, 2))
    assert stored["Blake Moreno"][0] == "7731"
    with database.session() as db:
        for typed in ["ABCD12", "abcd12", "ab-cd-12", " AB CD 12 "]:
            found = find_by_code(db, typed)
            assert found is not None and found.name == "Avery Quinn", typed
        assert find_by_code(db, "ABCD13") is None
        assert find_by_code(db, " - ") is None


def test_joined_defaults_to_today_in_the_groups_time_zone(
    tmp_path: Path, database: Database, group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pendulum

    # A fixed "now": Tuesday 03:30 in UTC is still Monday 21:30 in Chicago, the group's zone.
    instant = pendulum.datetime(2026, 11, 17, 3, 30, tz="UTC")
    monkeypatch.setattr(pendulum, "now", lambda tz=None: instant.in_timezone(tz or "UTC"))
    assert group.timezone == "America/Chicago"
    do_import(database, group, write(tmp_path, "name\nAvery Quinn\n"))
    joined = roster(database, group)["Avery Quinn"][2]
    assert joined == dt.date(2026, 11, 16)


def test_generated_codes_avoid_look_alikes_and_are_unique(
    tmp_path: Path, database: Database, group: Group
) -> None:
    names = "\n".join(f"Person Number{i:03d}" for i in range(150))
    do_import(database, group, write(tmp_path, f"name\n{names}\n"))
    generated = [code for code, _, _ in roster(database, group).values()]
    assert len(generated) == len(set(generated)) == 150
    for code in generated:
        assert codes.is_valid(code)
        assert not LOOK_ALIKES & set(code), code


def test_a_generated_code_never_takes_a_code_given_further_down(
    tmp_path: Path, database: Database, group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The generator's first draw is the very code row 3 asks for.
    draws: Iterator[str] = iter("ACDEFG" + "HJKMNP")
    monkeypatch.setattr(codes, "secrets", SimpleNamespace(choice=lambda _alphabet: next(draws)))
    path = write(tmp_path, "name,code\nAvery Quinn,\nBlake Moreno,ACDEFG\n")

    do_import(database, group, path)

    stored = roster(database, group)
    assert stored["Blake Moreno"][0] == "ACDEFG"
    assert stored["Avery Quinn"][0] == "HJKMNP"


def test_excel_utf8_with_bom_and_crlf(tmp_path: Path, database: Database, group: Group) -> None:
    path = write(
        tmp_path,
        "\ufeffName,Code,External_ID\r\nJosé Núñez,JOSE01,MRN-1\r\n\r\nZoë O'Brien-Ruiz,,MRN-2\r\n",
    )
    result = do_import(database, group, path)
    assert result.added == 2
    assert roster(database, group)["José Núñez"][:2] == ("JOSE01", "MRN-1")


def test_quoted_fields_with_commas_and_spare_columns(
    tmp_path: Path, database: Database, group: Group
) -> None:
    # A quoted name with a comma, blank lines, a short row, and an empty unnamed column that a
    # spreadsheet left at the end of every line.
    path = write(tmp_path, 'name,code,joined,\n"Quinn, Avery",,,\n\nBlake Moreno\n,,,\n')
    result = do_import(database, group, path)
    assert result.added == 2
    assert set(roster(database, group)) == {"Quinn, Avery", "Blake Moreno"}


def test_control_characters_and_escape_sequences_are_cleaned(
    tmp_path: Path, db_url: str, database: Database, group: Group
) -> None:
    nasty = "Evil\x1b[2J\x1b[31mName\x1b[0m\x07 Doe\x1b]0;owned\x07\u202e"
    path = write(tmp_path, f'name\n"{nasty}"\n"Tab\tSeparated  Name"\n')
    do_import(database, group, path)
    assert set(roster(database, group)) == {"EvilName Doe", "Tab Separated Name"}
    listed = runner.invoke(app, ["--db", db_url, "roster", "list", "Evening IOP"], env=WIDE)
    assert "\x1b" not in listed.output and "\x07" not in listed.output


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Zoë O'Brien-Ruiz", "Zoë O'Brien-Ruiz"),
        ("Zoe\u0308 Lee", "Zoë Lee"),  # decomposed accent, as macOS writes it
        ("  Avery   Quinn ", "Avery Quinn"),
        ("A\x00B\x7fC\x85D", "A B C D"),
        ("\x1b[1;31mRed\x1b[0m Robin", "Red Robin"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


# --- re-import ---------------------------------------------------------------------------------


def test_reimport_updates_by_external_id_then_name_and_keeps_codes(
    tmp_path: Path, database: Database, group: Group
) -> None:
    first = write(
        tmp_path,
        "name,external_id,joined\n"
        "Avery Quinn,MRN-1,2026-11-02\n"
        "Blake Moreno,,2026-11-02\n"
        "Casey Lindqvist,,2026-11-02\n",
        "first.csv",
    )
    do_import(database, group, first)
    before = roster(database, group)

    second = write(
        tmp_path,
        "name,external_id\n"
        "Avery Quinn-Harper,MRN-1\n"  # renamed: found by external_id
        "blake moreno,\n"  # same person, found by name (case aside)
        "Casey Lindqvist,MRN-3\n"  # found by name, gains an external_id
        "Devon O'Hara,MRN-4\n",  # new
        "second.csv",
    )
    result = do_import(database, group, second)

    assert (result.added, result.updated) == (1, 3)
    after = roster(database, group)
    assert set(after) == {"Avery Quinn-Harper", "blake moreno", "Casey Lindqvist", "Devon O'Hara"}
    assert participant_count(database) == 4  # nobody duplicated
    assert after["Avery Quinn-Harper"][0] == before["Avery Quinn"][0]
    assert after["blake moreno"][0] == before["Blake Moreno"][0]
    assert after["Casey Lindqvist"][:2] == (before["Casey Lindqvist"][0], "MRN-3")
    assert after["Avery Quinn-Harper"][2] == dt.date(2026, 11, 2)  # joined kept when not given

    do_import(database, group, second)  # the same file again changes nothing
    assert roster(database, group) == after
    assert participant_count(database) == 4


def test_same_name_with_another_external_id_is_another_person(
    tmp_path: Path, database: Database, group: Group
) -> None:
    do_import(database, group, write(tmp_path, "name,external_id\nSam Lee,MRN-1\n", "a.csv"))
    do_import(database, group, write(tmp_path, "name,external_id\nSam Lee,MRN-2\n", "b.csv"))
    assert participant_count(database) == 2


def test_reimport_can_change_a_members_own_code(
    tmp_path: Path, database: Database, group: Group
) -> None:
    do_import(database, group, write(tmp_path, "name,code\nAvery Quinn,OLD1\n", "a.csv"))
    do_import(database, group, write(tmp_path, "name,code\nAvery Quinn,old-1\n", "b.csv"))
    do_import(database, group, write(tmp_path, "name,code\nAvery Quinn,NEW2\n", "c.csv"))
    assert roster(database, group)["Avery Quinn"][0] == "NEW2"
    assert participant_count(database) == 1


def test_reimport_brings_back_a_member_who_left(
    tmp_path: Path, database: Database, group: Group
) -> None:
    path = write(tmp_path, "name\nAvery Quinn\n")
    do_import(database, group, path)
    with database.session() as db:
        membership = db.exec(select(Membership)).one()
        membership.left = dt.date(2026, 11, 20)
        db.add(membership)
    assert roster(database, group) == {}
    do_import(database, group, path)
    assert list(roster(database, group)) == ["Avery Quinn"]
    assert participant_count(database) == 1


def test_a_member_of_another_group_is_reused_by_external_id(
    tmp_path: Path, database: Database, group: Group
) -> None:
    with database.session() as db:
        other = create_group(db, name="Morning IOP", timezone="UTC")
    path = write(tmp_path, "name,external_id\nAvery Quinn,MRN-1\n")
    do_import(database, other, path)
    do_import(database, group, path)
    assert participant_count(database) == 1
    assert roster(database, group)["Avery Quinn"][0] == roster(database, other)["Avery Quinn"][0]


# --- bad files: nothing imported, every problem named by its line ---------------------------------


def test_one_bad_row_imports_nothing_and_names_the_row(
    tmp_path: Path, database: Database, group: Group
) -> None:
    path = write(tmp_path, "name,code\nAvery Quinn,\nBlake Moreno,no!\nCasey Lindqvist,\n")
    assert problems_of(database, group, path) == [
        f"{path}:3: code 'no!' must be 4-16 letters and digits"
    ]
    assert participant_count(database) == 0


def test_every_bad_row_is_reported_at_once(
    tmp_path: Path, database: Database, group: Group
) -> None:
    with database.session() as db:
        other = create_group(db, name="Morning IOP", timezone="UTC")
        add_member(db, other, name="Devon O'Hara", code="TAKEN1")
    lines = [
        "name,code,external_id,joined",  # 1
        "Avery Quinn,ABCD12,,2026-11-02",  # 2 fine
        ",,,",  # 3 blank: skipped
        ",WXYZ,,",  # 4 missing name
        "Blake Moreno,ab-cd 12,,",  # 5 the code of row 2
        "Casey Lindqvist,taken-1,,",  # 6 someone else's code in the database
        "Emery Zhou,AB,,",  # 7 too short
        "Finley Park,AB.CD,,",  # 8 punctuation
        "Gray Ito,,,2026-02-30",  # 9 no such day
        "Harper Diaz,,,11/02/2026",  # 10 not YYYY-MM-DD
        '"Indigo',  # 11-12: one record over two lines (a quoted newline)
        ' Vale",,,2026-13-01',  # bad month; reported at the line the row starts
        "Jules Moss,,X1,,surplus",  # 13 too many fields
        "Kai Brandt,,X2,",  # 14 fine
        "Lee Okafor,,X2,",  # 15 external_id of row 14
        "avery quinn,,,",  # 16 the name of row 2, no external_id to tell them apart
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")

    problems = problems_of(database, group, path)

    assert [p.split(": ", 1)[0] for p in problems] == [
        f"{path}:{n}" for n in (4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 16)
    ]
    text = "\n".join(problems)
    for fragment in [
        ":4: missing name",
        ":5: duplicate code 'ABCD12' (also on row 2)",
        ":6: code 'TAKEN1' is already someone else's",
        ":7: code 'AB' must be 4-16 letters and digits",
        ":8: code 'AB.CD' must be 4-16 letters and digits",
        ":9: joined '2026-02-30' is not a date (use YYYY-MM-DD)",
        ":10: joined '11/02/2026' is not a date",
        ":11: joined '2026-13-01' is not a date",
        ":13: 5 fields, but the header has 4",
        ":15: duplicate external_id 'X2' (also on row 14)",
        ":16: duplicate name 'avery quinn' (also on row 2",
    ]:
        assert fragment in text, fragment
    assert participant_count(database) == 1  # only Devon, from before


def test_two_rows_for_one_existing_member_are_refused(
    tmp_path: Path, database: Database, group: Group
) -> None:
    do_import(database, group, write(tmp_path, "name,external_id\nAvery Quinn,MRN-1\n", "a.csv"))
    path = write(tmp_path, "name,external_id\nAvery Q,MRN-1\nAvery Quinn,\n", "b.csv")
    assert problems_of(database, group, path) == [f"{path}:3: the same member as row 2"]


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("nmae,code", "unknown column 'nmae' (did you mean 'name'?)"),
        ("name,External ID", "unknown column 'external id' (did you mean 'external_id'?)"),
        ("name,joined_on", "unknown column 'joined_on' (did you mean 'joined'?)"),
        ("name,phone", "unknown column 'phone' (columns: name, code, external_id, joined, left)"),
        ("name;code", "columns must be separated by commas"),
        ("name,code,name", "column 'name' appears twice"),
    ],
)
def test_header_problems_are_on_line_1_with_a_hint(
    tmp_path: Path, database: Database, group: Group, header: str, hint: str
) -> None:
    path = write(tmp_path, f"{header}\nAvery Quinn,ABCD\n")
    problems = problems_of(database, group, path)
    assert any(p.startswith(f"{path}:1: ") and hint in p for p in problems), problems


def test_a_file_without_a_name_column_says_so(
    tmp_path: Path, database: Database, group: Group
) -> None:
    path = write(tmp_path, "code,joined\nABCD,2026-11-02\n")
    assert problems_of(database, group, path) == [f"{path}:1: the header has no 'name' column"]


def test_non_utf8_file_names_each_bad_line(
    tmp_path: Path, database: Database, group: Group
) -> None:
    text = "name\nAvery Quinn\nJosé Núñez\nBlake Moreno\nZoë Lee\n"
    path = write(tmp_path, text.encode("latin-1"))
    problems = problems_of(database, group, path)
    assert problems == [
        f"{path}:3: not UTF-8 text (save the file as CSV UTF-8)",
        f"{path}:5: not UTF-8 text (save the file as CSV UTF-8)",
    ]


def test_utf16_file_is_named_as_such(tmp_path: Path, database: Database, group: Group) -> None:
    path = write(tmp_path, "name\nAvery Quinn\n".encode("utf-16"))
    assert problems_of(database, group, path) == [
        f"{path}:1: UTF-16 text (save the file as CSV UTF-8)"
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\n  \n", "the file is empty"),
        (b"\xef\xbb\xbf", "the file is empty"),
        (b"name,code,external_id,joined\n", "no members in the file (only a header)"),
        (b"name\n\n,\n", "no members in the file (only a header)"),
        (b"name\nAvery\x00Quinn\n", "contains NUL bytes"),
    ],
)
def test_empty_and_header_only_files(
    tmp_path: Path, database: Database, group: Group, content: bytes, problem: str
) -> None:
    path = write(tmp_path, content)
    [message] = problems_of(database, group, path)
    assert message.startswith(f"{path}: ")
    assert problem in message


def test_unterminated_quote_names_the_line(
    tmp_path: Path, database: Database, group: Group
) -> None:
    path = write(tmp_path, 'name\nAvery Quinn\n"Blake Moreno\n')
    [message] = problems_of(database, group, path)
    assert message.startswith(f"{path}:3: ")


def test_missing_file_and_folder(tmp_path: Path, database: Database, group: Group) -> None:
    missing = tmp_path / "nowhere.csv"
    assert problems_of(database, group, missing) == [f"{missing}: no such file"]
    assert problems_of(database, group, tmp_path) == [f"{tmp_path}: is a folder, not a CSV file"]


def test_a_name_too_long_and_an_external_id_with_control_characters(
    tmp_path: Path, database: Database, group: Group
) -> None:
    path = write(tmp_path, f'name,external_id\n{"A" * 121},\nAvery Quinn,"MRN\x1b1"\n')
    assert problems_of(database, group, path) == [
        f"{path}:2: name longer than 120 characters",
        f"{path}:3: external_id must be printable, at most 64 characters",
    ]


# --- through the real entry point ---------------------------------------------------------------


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point, where exit statuses and stderr are decided."""
    return subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", db_url, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **WIDE},
        timeout=60,
    )


def test_bad_import_exits_1_with_a_line_per_bad_row_and_writes_nothing(
    tmp_path: Path, db_url: str, database: Database, group: Group
) -> None:
    path = write(tmp_path, "name,code\nAvery Quinn,\n,ABCD\nBlake Moreno,AB\nCasey Lindqvist,\n")

    result = run_cli(db_url, "roster", "import", "Evening IOP", str(path), "--allow-short-codes")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:3: missing name",
        f"{path}:4: code 'AB' must be 4-16 letters and digits",
    ]
    assert result.stdout == ""
    assert participant_count(database) == 0


def test_import_into_an_unknown_group_exits_1(tmp_path: Path, db_url: str, group: Group) -> None:
    path = write(tmp_path, "name\nAvery Quinn\n")
    result = run_cli(db_url, "roster", "import", "Weekend", str(path))
    assert result.returncode == 1
    assert result.stderr == "error: no group named 'Weekend' (groups: Evening IOP)\n"


def test_short_codes_are_refused_unless_allowed(
    tmp_path: Path, db_url: str, database: Database, group: Group
) -> None:
    path = write(tmp_path, "name,code\nAvery Quinn,4821\nBlake Moreno,ABC123\n")
    refused = run_cli(db_url, "roster", "import", "Evening IOP", str(path))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"{path}:2: code '4821' is shorter than 6 characters: a short code can be guessed from"
        " the check-in page (import with --allow-short-codes to keep a clinic's existing badges)"
    )
    assert roster(database, group) == {}
    allowed = run_cli(db_url, "roster", "import", "Evening IOP", str(path), "--allow-short-codes")
    assert allowed.returncode == 0, allowed.stderr
    assert {name: code for name, (code, _, _) in roster(database, group).items()} == {
        "Avery Quinn": "4821",
        "Blake Moreno": "ABC123",
    }
