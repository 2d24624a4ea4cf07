"""`facilitator group add --curriculum`, `group edit|archive|restore|list --all`: good input
(output, exit 0, the database) and bad input (one line on stderr, exit 1, nothing changed),
through the real entry point."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import select

from facilitator.common.timeutil import UTC
from facilitator.session.lifecycle import start_or_resume
from facilitator.store.database import Database
from facilitator.store.models import Group

from .climembers import GROUP, LEAD, events, make_cli, make_group, people, refused


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`facilitator --db URL ARGS...` through `main()`, as LEAD."""
    return make_cli(db_url, monkeypatch, capsys)


@pytest.fixture
def group(database: Database) -> Group:
    """Evening IOP with Avery (A-1), Blake (496G9X, no external id) and Casey."""
    return make_group(database)


# --- group edit -----------------------------------------------------------------------------------


def test_group_edit_changes_only_what_is_given(cli: Any, database: Database, group: Group) -> None:
    ran = cli(
        "group", "edit", "evening iop", "--name", "Evenings", "--timezone", "america/denver",
        "--weekly-hours", "12", "--late-after", "15", "--note-format", "soap",
        "--curriculum", "relapse-prevention",
    )  # fmt: skip

    assert ran.code == 0, ran.err
    assert ran.out == (
        "Changed 'Evenings': name, time zone, weekly hours, late-after, note format, curriculum.\n"
    )
    with database.session() as db:
        stored = db.exec(select(Group)).one()
    assert (stored.name, stored.timezone, stored.weekly_hours, stored.daily_hours) == (
        "Evenings", "America/Denver", 12.0, 3.0,
    )  # fmt: skip
    assert (stored.late_after_minutes, stored.note_format) == (15, "SOAP")
    assert stored.curriculum_id == "relapse-prevention"
    assert events(database)[-1] == ("group.edit", LEAD)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([], "group edit: nothing to change"),
        (["--curriculum", "no-such"], "--curriculum: unknown curriculum 'no-such' (installed: "),
        (["--timezone", "Mars/Olympus_Mons"], "Mars/Olympus_Mons"),
        (["--weekly-hours", "0"], "--weekly-hours"),
        (["--daily-hours", "13"], "--daily-hours"),
        (["--late-after", "-1"], "--late-after"),
        (["--note-format", "NOTES"], "NOTES"),
        (["--name", "Evening IOP 2", "--weekly-hours", "99"], "--weekly-hours"),
    ],
)
def test_group_edit_refusals(
    cli: Any, database: Database, group: Group, args: list[str], named: str
) -> None:
    err = refused(cli, database, "group", "edit", GROUP, *args)
    assert named in err
    if "curriculum" in named:
        assert "relapse-prevention" in err


def test_group_add_refuses_an_unknown_curriculum(cli: Any, database: Database) -> None:
    err = refused(cli, database, "group", "add", "Weekend", "--curriculum", "no-such")
    assert "--curriculum: unknown curriculum 'no-such'" in err and "relapse-prevention" in err
    ran = cli("group", "add", "Weekend", "--curriculum", "relapse-prevention")
    assert ran.code == 0, ran.err
    assert events(database) == [("group.create", LEAD)]


# --- group archive, restore, list -----------------------------------------------------------------


def test_archive_hides_the_group_and_restore_brings_it_back(
    cli: Any, database: Database, group: Group
) -> None:
    archived = cli("group", "archive", GROUP)
    assert archived.code == 0, archived.err
    assert archived.out.startswith("Archived 'Evening IOP': its records stay")
    assert "No active groups (1 archived: --all lists them" in cli("group", "list").out
    listed = cli("group", "list", "--all").out
    row = next(line for line in listed.splitlines() if "Evening IOP" in line)
    assert row.rstrip().rstrip("│").strip().endswith("archived")
    assert cli("group", "archive", GROUP).out == "'Evening IOP' is archived already.\n"
    assert len(people(database)) == 3  # its records stay

    restored = cli("group", "restore", GROUP)
    assert restored.out == "Restored 'Evening IOP'.\n"
    assert "Evening IOP" in cli("group", "list").out
    listed = cli("group", "list", "--all").out
    row = next(line for line in listed.splitlines() if "Evening IOP" in line)
    assert "archived" not in row
    assert cli("group", "restore", GROUP).out == "'Evening IOP' is not archived.\n"
    assert events(database)[-2:] == [("group.archive", LEAD), ("group.restore", LEAD)]


def test_a_group_with_a_live_session_cannot_be_archived(
    cli: Any, database: Database, group: Group
) -> None:
    with database.session() as db:
        start_or_resume(
            db,
            group=db.exec(select(Group)).one(),
            curriculum="relapse-prevention",
            topic=None,
            facilitator=LEAD,
            now=dt.datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
        )
    err = refused(cli, database, "group", "archive", GROUP)
    assert "Evening IOP has a live session; end it before archiving the group" in err


def test_the_actor_is_never_empty_without_a_name(
    cli: Any, database: Database, group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FACILITATOR_USER")
    assert cli("roster", "discharge", GROUP, "A-1", "--on", "2026-11-20").code == 0
    action, actor = events(database)[-1]
    assert action == "member.discharge" and actor.strip()
