"""Builders for a live session with fictional members, shared by the TUI tests."""

from __future__ import annotations

import datetime as dt

from facilitator.common.clock import FakeClock
from facilitator.curriculum.catalog import discover
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.session.lifecycle import start_session
from facilitator.store.database import Database

MEMBERS = [
    ("Avery Quinn", "AVQ1"),
    ("Blake Moreno", "BLM2"),
    ("Casey Lindqvist", "CAL3"),
    ("Devon O'Hara", "DEV4"),
    ("Emery Zhou", "EMZ5"),
]


def make_session(
    database: Database,
    clock: FakeClock,
    *,
    topic_index: int = 0,
    note_format: str = "DAP",
    members: list[tuple[str, str]] | None = None,
) -> str:
    """A group of fictional members and a session started at the clock's time; returns its id."""
    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        group = create_group(
            db,
            name="Tuesday Evening",
            timezone="America/Chicago",
            note_format=note_format,
            curriculum_id=curriculum.id,
        )
        for name, code in members or MEMBERS:
            add_member(db, group, name=name, code=code, joined=dt.date(2026, 11, 2))
        session = start_session(
            db,
            group=group,
            curriculum=curriculum,
            topic=curriculum.sessions[topic_index],
            facilitator="Sam Facilitator",
            now=clock(),
        )
        return session.id
