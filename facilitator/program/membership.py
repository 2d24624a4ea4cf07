"""Members over time: find one by what a lead types, correct their details, discharge, readmit.

A member is named by their external id, personal code or name (case-insensitive), within one
group; a name two members share, or nothing that matches, is an error listing what it could
mean. Every change is audited by ids and field names only: no names or codes in the trail.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.timeutil import today_in
from facilitator.errors import UserError
from facilitator.program import codes
from facilitator.program.roster import MAX_NAME, Member, clean_name, find_by_code, members
from facilitator.store.audit import audit
from facilitator.store.models import Group, LeaveReason, Membership, Participant

LISTED = 8
"""How many candidates an ambiguous or unknown MEMBER error names."""


def _listing(found: list[Member]) -> str:
    """`Alex Kim (id A-1), ...` for an error message."""
    shown = [
        f"{m.participant.name} (id {m.participant.external_id})"
        if m.participant.external_id
        else m.participant.name
        for m in found[:LISTED]
    ]
    more = f", and {len(found) - LISTED} more" if len(found) > LISTED else ""
    return ", ".join(shown) + more


def resolve_member(db: Session, group: Group, wanted: str) -> Member:
    """The member of `group` (current or discharged) that `wanted` names, or a UserError."""
    text = clean_name(wanted)
    everyone = members(db, group, include_left=True)
    if not text:
        raise UserError("MEMBER: give an external id, a code or a name")
    for key in (
        lambda m: (m.participant.external_id or "").casefold() == text.casefold(),
        lambda m: m.participant.code == codes.normalise(text),
        lambda m: m.participant.name.casefold() == text.casefold(),
    ):
        found = [m for m in everyone if key(m)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise UserError(
                f"{text!r} could be any of {len(found)} members of {group.name}: "
                f"{_listing(found)}; name them by external id or code"
            )
    close = [m for m in everyone if text.casefold() in m.participant.name.casefold()]
    hint = f" (did you mean {_listing(close)}?)" if close else ""
    raise UserError(f"no member {text!r} in {group.name}{hint}")


def edit_member(
    db: Session,
    member: Member,
    *,
    name: str | None = None,
    code: str | None = None,
    external_id: str | None = None,
    actor: str = "",
) -> list[str]:
    """Correct a member's details (the same person: same id, same records); returns the names of
    the fields that changed. `external_id=""` removes it. Nothing changes if any value is bad."""
    person = member.participant
    wanted: dict[str, str | None] = {}
    if name is not None:
        cleaned = clean_name(name)
        if not cleaned:
            raise UserError("--name: a member needs a name")
        if len(cleaned) > MAX_NAME:
            raise UserError(f"--name: a name is at most {MAX_NAME} characters")
        wanted["name"] = cleaned
    if code is not None:
        normal = codes.normalise(code)
        if not codes.is_valid(normal):
            raise UserError(f"--code: {normal or code!r} must be 4-16 letters and digits")
        holder = find_by_code(db, normal)
        if holder is not None and holder.id != person.id:
            raise UserError(f"--code: {normal!r} is already someone else's")
        wanted["code"] = normal
    if external_id is not None:
        cleaned_id = clean_name(external_id) or None
        if cleaned_id is not None:
            holder = db.exec(
                select(Participant).where(Participant.external_id == cleaned_id)
            ).first()
            if holder is not None and holder.id != person.id:
                raise UserError(f"--external-id: {cleaned_id!r} is already someone else's")
        wanted["external_id"] = cleaned_id
    changed = [key for key, value in wanted.items() if getattr(person, key) != value]
    for key in changed:
        setattr(person, key, wanted[key])
    if changed:
        db.add(person)
        audit(
            db,
            "member.edit",
            participant_id=person.id,
            actor=actor,
            group_id=member.membership.group_id,
            fields=changed,
        )
    return changed


def _open_period(db: Session, group: Group, person: Participant) -> Membership | None:
    """The member's period in `group` that has no last day yet."""
    return db.exec(
        select(Membership).where(
            Membership.group_id == group.id,
            Membership.participant_id == person.id,
            col(Membership.left).is_(None),
        )
    ).first()


def discharge(
    db: Session,
    group: Group,
    member: Member,
    *,
    on: dt.date | None = None,
    reason: LeaveReason = LeaveReason.COMPLETED,
    actor: str = "",
) -> Membership:
    """End the member's current period: `on` (default today) is their last day. Records stay."""
    person = member.participant
    period = _open_period(db, group, person)
    if period is None:
        raise UserError(f"{person.name} is not a current member of {group.name}")
    last_day = on or today_in(group.timezone)
    if last_day < period.joined:
        raise UserError(
            f"--on {last_day.isoformat()} is before {person.name} joined "
            f"({period.joined.isoformat()})"
        )
    period.left = last_day
    period.reason = reason
    return _saved(db, period, "member.discharge", actor=actor, on=last_day, reason=reason.value)


def readmit(
    db: Session, group: Group, member: Member, *, on: dt.date | None = None, actor: str = ""
) -> Membership:
    """A new period for a discharged member from `on` (default today); earlier periods stay."""
    person = member.participant
    if _open_period(db, group, person) is not None:
        raise UserError(f"{person.name} is a current member of {group.name} already")
    last = db.exec(
        select(sa.func.max(Membership.left)).where(
            Membership.group_id == group.id, Membership.participant_id == person.id
        )
    ).one()
    first_day = on or today_in(group.timezone)
    if last is not None and first_day <= last:
        raise UserError(
            f"--on {first_day.isoformat()}: {person.name}'s last day was "
            f"{last.isoformat()}; a new period starts after it"
        )
    period = Membership(group_id=group.id, participant_id=person.id, joined=first_day)  # type: ignore[arg-type]
    return _saved(db, period, "member.readmit", actor=actor, on=first_day)


def _saved(
    db: Session, period: Membership, action: str, *, actor: str, on: dt.date, **detail: str
) -> Membership:
    """Save a period that was opened or closed `on` that day, audited as `action`."""
    db.add(period)
    audit(
        db,
        action,
        participant_id=period.participant_id,
        actor=actor,
        group_id=period.group_id,
        on=on.isoformat(),
        **detail,
    )
    db.flush()
    return period


def periods(db: Session, group: Group, person: Participant) -> list[Membership]:
    """Every period of `person` in `group`, oldest first."""
    return list(
        db.exec(
            select(Membership)
            .where(Membership.group_id == group.id, Membership.participant_id == person.id)
            .order_by(col(Membership.joined))
        ).all()
    )
