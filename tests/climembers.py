"""Running the CLI's member and group commands in a test through the real entry point, and
reading back what they stored (people, periods, audit events)."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from facilitator.cli import main
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.store.database import Database
from facilitator.store.models import AuditEvent, Group, Membership, Participant

LEAD = "Sam Rivera, LCSW"
GROUP = "Evening IOP"
ZONE = "America/Chicago"
NOV_2 = dt.date(2026, 11, 2)


@dataclass
class Ran:
    """What one command did: exit status, standard output and standard error."""

    code: int
    out: str
    err: str


def make_cli(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    """A function that runs `facilitator --db URL ARGS...` through `main()`, the entry point
    that decides exit statuses and prints user errors; the person at the keyboard is LEAD."""
    monkeypatch.setenv("FACILITATOR_USER", LEAD)
    monkeypatch.setenv("COLUMNS", "200")  # so Rich never wraps a name

    def run(*args: str) -> Ran:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["facilitator", "--db", db_url, *args])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        status = exited.value.code
        return Ran(status if isinstance(status, int) else 1, captured.out, captured.err)

    return run


def make_group(database: Database) -> Group:
    """Evening IOP in Chicago: Avery (external id A-1), Blake (code 496G9X, no external id),
    Casey; all joined 2026-11-02."""
    with database.session() as db:
        evening = create_group(db, name=GROUP, timezone=ZONE)
        add_member(db, evening, name="Avery Quinn", code="QUINN42", external_id="A-1", joined=NOV_2)
        add_member(db, evening, name="Blake Moreno", code="496G9X", joined=NOV_2)
        add_member(db, evening, name="Casey Lindqvist", code="CASEY77", joined=NOV_2)
        return evening


def people(database: Database) -> dict[str, tuple[str, str | None]]:
    """code → (name, external_id) for everyone in the database."""
    with database.session() as db:
        return {p.code: (p.name, p.external_id) for p in db.exec(select(Participant)).all()}


def periods_of(database: Database, code: str) -> list[tuple[dt.date, dt.date | None, str | None]]:
    """(joined, left, reason) of each period of the person with `code`, oldest first."""
    with database.session() as db:
        person = db.exec(select(Participant).where(Participant.code == code)).one()
        rows = db.exec(
            select(Membership)
            .where(Membership.participant_id == person.id)
            .order_by(col(Membership.joined))
        ).all()
        return [(m.joined, m.left, m.reason.value if m.reason else None) for m in rows]


def events(database: Database) -> list[tuple[str, str]]:
    """(action, actor) of every audit event, oldest first."""
    with database.session() as db:
        rows = db.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        return [(e.action, e.actor) for e in rows]


def everything(database: Database) -> tuple[Any, ...]:
    """All that a refused command must leave as it was."""
    with database.session() as db:
        memberships = sorted(
            (m.participant_id, m.joined, m.left, m.reason)
            for m in db.exec(select(Membership)).all()
        )
        groups = sorted(g.model_dump_json() for g in db.exec(select(Group)).all())
    return people(database), memberships, groups, events(database)


def refused(cli: Any, database: Database, *args: str) -> str:
    """Run a command that must fail: exit 1, one line on stderr, nothing changed. The line."""
    before = everything(database)
    ran = cli(*args)
    assert ran.code == 1, (ran.out, ran.err)
    assert ran.err.startswith("error: ") and ran.err.count("\n") == 1, ran.err
    assert "Traceback" not in ran.err
    assert everything(database) == before, "a refused command must change nothing"
    return ran.err
