"""Group membership: who is in a group on a day, members added one by one, look-up by code.

A membership is a period (`joined` to the last day `left`, inclusive); a readmitted member has
several. A member is *current* on a day when a period of theirs has not ended before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.text import one_line
from facilitator.common.timeutil import today_in
from facilitator.errors import UserError
from facilitator.program import codes
from facilitator.store.audit import audit
from facilitator.store.models import Group, Membership, Participant

MAX_NAME = 120
MAX_EXTERNAL_ID = 64


@dataclass(frozen=True)
class Member:
    """A participant as a member of one group."""

    participant: Participant
    membership: Membership


def clean_name(raw: str) -> str:
    """A name with terminal escape sequences and control characters removed, spaces collapsed.

    Names come from spreadsheets and walk-in typing and end up on a terminal and on a
    projected screen: `\x1b[2J` must not clear it, and `Zoë O'Brien-Ruiz` must stay as is.
    """
    return one_line(raw)


Day = dt.date | sa.ColumnElement[dt.date]
"""A day as a value, or as a column of the query (a session's own date)."""


def current_on(day: Day) -> sa.ColumnElement[bool]:
    """The condition that a membership period has not ended before `day`."""
    return sa.or_(col(Membership.left).is_(None), col(Membership.left) >= day)


def member_on(day: Day) -> sa.ColumnElement[bool]:
    """The condition that a membership period covers `day` (joined by then, not yet left)."""
    return sa.and_(col(Membership.joined) <= day, current_on(day))


def members(
    db: Session, group: Group, *, include_left: bool = False, on: dt.date | None = None
) -> list[Member]:
    """The group's members by name, each once with their latest period: those whose period
    has not ended by today (admissions booked ahead included), or, given `on`, those whose
    period covers that day; `include_left` adds those whose last period has ended."""
    query = (
        select(Participant, Membership)
        .join(Membership, col(Membership.participant_id) == Participant.id)
        .where(Membership.group_id == group.id)
    )
    if not include_left:
        query = query.where(current_on(today_in(group.timezone)) if on is None else member_on(on))
    rows = db.exec(
        query.order_by(col(Participant.name), col(Participant.id), col(Membership.joined))
    ).all()
    latest: dict[int | None, Member] = {}
    for participant, membership in rows:
        latest[participant.id] = Member(participant=participant, membership=membership)
    return list(latest.values())


def taken_codes(db: Session) -> set[str]:
    """Every personal code in the database."""
    return set(db.exec(select(Participant.code)).all())


def find_by_code(db: Session, code: str) -> Participant | None:
    """The participant with this personal code (case, spaces and dashes ignored)."""
    wanted = codes.normalise(code)
    if not wanted:
        return None
    return db.exec(select(Participant).where(Participant.code == wanted)).first()


def add_member(
    db: Session,
    group: Group,
    *,
    name: str,
    code: str | None = None,
    external_id: str | None = None,
    joined: dt.date | None = None,
    actor: str = "",
) -> Member:
    """Add a member to the group, with a generated code unless one is given.

    An external id the clinic already gave someone in another group names that same person:
    they join this group too (one person, one code, hours counted across their groups).
    """
    name = clean_name(name)
    if not name:
        raise UserError("a member needs a name")
    if len(name) > MAX_NAME:
        raise UserError(f"a name is at most {MAX_NAME} characters")
    if code is not None:
        code = codes.normalise(code)
        if not codes.is_valid(code):
            raise UserError(f"code {code!r} must be 4-16 letters and digits")
    external_id = clean_name(external_id or "") or None
    if external_id is not None and len(external_id) > MAX_EXTERNAL_ID:
        raise UserError(f"an external id is at most {MAX_EXTERNAL_ID} characters")
    known = (
        db.exec(select(Participant).where(Participant.external_id == external_id)).first()
        if external_id is not None
        else None
    )
    if known is not None:
        participant = _existing_person(db, group, known, name=name, code=code)
    else:
        if code is not None and find_by_code(db, code) is not None:
            raise UserError(f"code {code!r} is already someone else's")
        participant = Participant(
            name=name, code=code or codes.generate(taken_codes(db)), external_id=external_id
        )
        db.add(participant)
        db.flush()
    membership = Membership(
        group_id=group.id,  # type: ignore[arg-type]
        participant_id=participant.id,  # type: ignore[arg-type]
        joined=joined or today_in(group.timezone),
    )
    db.add(membership)
    db.flush()
    audit(db, "member.add", participant_id=participant.id, actor=actor, group_id=group.id)
    return Member(participant=participant, membership=membership)


def _existing_person(
    db: Session, group: Group, person: Participant, *, name: str, code: str | None
) -> Participant:
    """`person` (found by external id) joining `group`, if the details agree."""
    if person.name.casefold() != name.casefold():
        raise UserError(
            f"external id {person.external_id!r} is {person.name}'s; "
            "check the id, or the name as the clinic records it"
        )
    if code is not None and code != person.code:
        raise UserError(f"{person.name} has a check-in code already; leave out --code")
    here = db.exec(
        select(Membership).where(
            Membership.group_id == group.id, Membership.participant_id == person.id
        )
    ).first()
    if here is not None:
        raise UserError(
            f"{person.name} is a member of {group.name} already "
            "(a discharged member is readmitted, not added)"
        )
    return person
