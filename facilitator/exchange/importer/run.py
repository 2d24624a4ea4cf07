"""The whole import: read and check the file, match people, then write, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from facilitator.errors import ManyErrors
from facilitator.exchange.importer.planning import (
    Planner,
    match_people,
    person_id,
    same_member_twice,
)
from facilitator.exchange.importer.reading import read_sessions
from facilitator.exchange.importer.writing import (
    TABLES,
    existing_ids,
    insert_rows,
    installed_titles,
    session_rows,
)
from facilitator.store.audit import audit
from facilitator.store.models import Membership, Participant

SESSIONS_PER_WRITE = 500
"""Sessions whose rows are built before they are written (bounds the memory used)."""


@dataclass
class ImportResult:
    """What an import did."""

    imported: int = 0
    skipped: int = 0
    groups_created: list[tuple[str, str]] = field(default_factory=list)  # (name, time zone)
    members_created: int = 0


def _create_planned(db: Session, planner: Planner, result: ImportResult, actor: str) -> None:
    """Create the missing groups and members, their memberships, and move joins earlier."""
    from facilitator.program.groups import create_group

    for plan in planner.groups.values():
        if plan.group is None:
            plan.group = create_group(db, name=plan.name, timezone=plan.timezone, actor=actor)
            result.groups_created.append((plan.group.name, plan.timezone))
    for member in planner.new_members:
        member.participant = Participant(
            name=member.name, code=member.code, external_id=member.external_id
        )
        db.add(member.participant)
    db.flush()
    result.members_created = len(planner.new_members)
    memberships: list[dict[str, Any]] = []
    for plan in planner.groups.values():
        assert plan.group is not None
        for person, day in plan.joined.values():
            memberships.append(
                {"group_id": plan.group.id, "participant_id": person_id(person), "joined": day}
            )
        for key, day in plan.earlier.items():
            plan.existing[key].joined = day
            db.add(plan.existing[key])
    insert_rows(db, Membership, [{**m, "left": None} for m in memberships])


def import_sessions(db: Session, path: Path, *, actor: str = "") -> ImportResult:
    """Import the sessions of a json export file; all or nothing, idempotent by session id."""
    path = Path(path)
    sessions = read_sessions(path)
    result = ImportResult()
    present = existing_ids(db, [s.id for s in sessions])
    new = sorted((s for s in sessions if s.id not in present), key=lambda s: (s.started_at, s.id))
    result.skipped = len(sessions) - len(new)
    if new:
        planner = Planner(db)
        people = match_people(planner, new)
        problems = same_member_twice(str(path), sessions, new, people)
        if problems:
            raise ManyErrors(problems)
        # Everything checks out: write.
        _create_planned(db, planner, result, actor)
        titles = installed_titles(new)
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for count, (s, (attendees, authors)) in enumerate(zip(new, people, strict=True), 1):
            group = planner.groups[s.group.casefold()].group
            assert group is not None and group.id is not None
            built = session_rows(
                s,
                group_id=group.id,
                attendee_ids=[person_id(p) for p in attendees],
                note_ids=[None if p is None else person_id(p) for p in authors],
                titles=titles.get((s.curriculum or "", s.topic), (None, None)),
            )
            for name, table_rows in built.items():
                rows[name].extend(table_rows)
            if count % SESSIONS_PER_WRITE == 0 or count == len(new):
                for name, model in TABLES.items():  # parents first, then forget them
                    insert_rows(db, model, rows[name])
                    rows[name] = []
        result.imported = len(new)
    audit(
        db,
        "import",
        actor=actor,
        sessions=result.imported,
        skipped=result.skipped,
        groups_created=len(result.groups_created),
        members_created=result.members_created,
    )
    db.flush()
    return result
