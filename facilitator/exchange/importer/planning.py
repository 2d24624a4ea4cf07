"""Who is who: matching the file's groups and people to the database, writing nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.exchange.importer.schema import SessionIn
from facilitator.exchange.importer.timezones import guess_timezone, instants_of
from facilitator.program import codes
from facilitator.store.models import Group, Membership, Participant


@dataclass(eq=False)
class NewMember:
    """A participant the import will create."""

    name: str
    code: str
    external_id: str | None
    participant: Participant | None = None


Person = Participant | NewMember
"""A member as matched: an existing participant, or one the import will create."""


@dataclass(eq=False)
class GroupPlan:
    """One group's members as the import sees them (existing plus to be created)."""

    name: str
    group: Group | None
    timezone: str
    by_code: dict[str, Person] = field(default_factory=dict)
    by_name: dict[str, Person] = field(default_factory=dict)
    # Keyed by id(person): people who become members (with their first session's date), and
    # existing memberships (moved earlier if imported sessions predate them).
    joined: dict[int, tuple[Person, dt.date]] = field(default_factory=dict)
    existing: dict[int, Membership] = field(default_factory=dict)
    earlier: dict[int, dt.date] = field(default_factory=dict)


class Planner:
    """Matches the file's people to participants, without writing anything."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.by_external: dict[str, Person] = {}
        for person in db.exec(select(Participant).where(col(Participant.external_id).is_not(None))):
            assert person.external_id is not None
            self.by_external.setdefault(person.external_id, person)
        self.taken = set(db.exec(select(Participant.code)).all())
        self.groups: dict[str, GroupPlan] = {}
        self.new_members: list[NewMember] = []

    def group(self, name: str, sessions: list[SessionIn]) -> GroupPlan:
        """The plan for a group by name: existing (exact name, else ignoring case) or new."""
        key = name.casefold()
        if key in self.groups:
            return self.groups[key]
        group = self.db.exec(select(Group).where(Group.name == name)).first()
        if group is None:
            group = self.db.exec(
                select(Group).where(sa.func.lower(Group.name) == name.lower())
            ).first()
        if group is None:
            tz = guess_timezone(
                v for s in sessions if s.group.casefold() == key for v in instants_of(s)
            )
        else:
            tz = group.timezone
        plan = GroupPlan(name=name, group=group, timezone=tz)
        if group is not None:
            rows = self.db.exec(
                select(Participant, Membership)
                .join(Membership, col(Membership.participant_id) == col(Participant.id))
                .where(Membership.group_id == group.id)
                .order_by(col(Participant.id), col(Membership.joined).desc())
            ).all()
            # Each member's earliest period is the one an older imported session moves earlier.
            for person, membership in rows:
                plan.existing[id(person)] = membership
                plan.by_code.setdefault(person.code, person)
                plan.by_name.setdefault(person.name.casefold(), person)
        self.groups[key] = plan
        return plan

    @staticmethod
    def _external(person: Person) -> str | None:
        return person.external_id

    def _compatible(self, person: Person, external_id: str | None) -> bool:
        """Not two different external ids: those are two different people."""
        theirs = self._external(person)
        return external_id is None or theirs is None or theirs == external_id

    def person(
        self,
        plan: GroupPlan,
        *,
        name: str,
        external_id: str | None,
        code: str | None,
        day: dt.date,
    ) -> Person:
        """Match by external id, else code within the group, else name within the group."""
        found: Person | None = None
        if external_id is not None:
            found = self.by_external.get(external_id)
        wanted = codes.normalise(code) if code else None
        if found is None and wanted:
            candidate = plan.by_code.get(wanted)
            if candidate is not None and self._compatible(candidate, external_id):
                found = candidate
        if found is None:
            candidate = plan.by_name.get(name.casefold())
            if candidate is not None and self._compatible(candidate, external_id):
                found = candidate
        if found is None:
            if not wanted or wanted in self.taken or not codes.is_valid(wanted):
                wanted = codes.generate(self.taken)
            self.taken.add(wanted)
            found = NewMember(name=name, code=wanted, external_id=external_id)
            self.new_members.append(found)
            if external_id is not None:
                self.by_external[external_id] = found
        membership = plan.existing.get(id(found))
        if membership is not None:
            if day < min(membership.joined, plan.earlier.get(id(found), membership.joined)):
                plan.earlier[id(found)] = day  # written only if the whole file is good
        elif id(found) not in plan.joined or day < plan.joined[id(found)][1]:
            plan.joined[id(found)] = (found, day)
        plan.by_code.setdefault(found.code, found)
        plan.by_name.setdefault(found.name.casefold(), found)
        plan.by_name.setdefault(name.casefold(), found)  # the name as this file spells it
        return found


People = tuple[list[Person], list[Person | None]]
"""A session's people: one per attendance record, one per note (None: the group note)."""


def match_people(planner: Planner, new: list[SessionIn]) -> list[People]:
    """Who is who, session by session (oldest first, so members join on their first session)."""
    people: list[People] = []
    for s in new:
        plan = planner.group(s.group, new)
        day = s.started_at.date()
        attendees: list[Person] = []
        by_name: dict[str, Person] = {}
        for row in s.attendance:
            person = planner.person(
                plan, name=row.name, external_id=row.external_id, code=row.code, day=day
            )
            attendees.append(person)
            by_name.setdefault(row.name.casefold(), person)
        authors: list[Person | None] = []
        for note in s.notes:
            if note.participant is None:
                authors.append(None)
                continue
            person = by_name.get(note.participant.casefold())
            if person is None:  # a note about someone with no attendance record here
                person = planner.person(
                    plan, name=note.participant, external_id=None, code=None, day=day
                )
            authors.append(person)
        people.append((attendees, authors))
    return people


def same_member_twice(
    where: str, sessions: list[SessionIn], new: list[SessionIn], people: list[People]
) -> list[str]:
    """Two attendance records of one session that turned out to be the same member."""
    problems: list[str] = []
    index_of = {s.id: i for i, s in enumerate(sessions)}
    for s, (attendees, _) in zip(new, people, strict=True):
        seen: dict[int, int] = {}
        for j, person in enumerate(attendees):
            if id(person) in seen:
                problems.append(
                    f"{where}: [{index_of[s.id]}].attendance[{j}]: is the same member as "
                    f"attendance[{seen[id(person)]}] (matched by external_id, code or name)"
                )
            else:
                seen[id(person)] = j
    return problems


def person_id(person: Person) -> int:
    """The participant id of a matched or (by now) created member."""
    target = person.participant if isinstance(person, NewMember) else person
    assert target is not None and target.id is not None
    return target.id
