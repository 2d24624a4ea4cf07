"""Groups: create, list, look up by name."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.timeutil import machine_timezone, valid_timezone
from facilitator.errors import UserError
from facilitator.program.roster import clean_name
from facilitator.store.audit import audit
from facilitator.store.models import NOTE_FORMATS, Group, Membership

MAX_GROUP_NAME = 80


def _timezone(name: str) -> str:
    """The IANA name for `name`, forgiving case and surrounding spaces (`america/chicago`)."""
    name = name.strip()
    try:
        return valid_timezone(name)
    except UserError:
        by_lower = {tz.lower(): tz for tz in zoneinfo.available_timezones()}
        if name.lower() in by_lower:
            return by_lower[name.lower()]
        raise


@dataclass(frozen=True)
class GroupSummary:
    """A group with its current member count, for listings."""

    group: Group
    members: int


def create_group(
    db: Session,
    *,
    name: str,
    weekly_hours: float = 9.0,
    daily_hours: float = 3.0,
    timezone: str | None = None,
    late_after_minutes: int = 10,
    note_format: str = "DAP",
    curriculum_id: str | None = None,
    actor: str = "",
) -> Group:
    """Create a group; its name must be new and its settings sensible."""
    name = clean_name(name)
    if not name:
        raise UserError("a group needs a name")
    if len(name) > MAX_GROUP_NAME:
        raise UserError(f"a group name is at most {MAX_GROUP_NAME} characters")
    # Case-insensitive: `get_group` finds groups regardless of case, so 'evening iop' beside
    # 'Evening IOP' would make one of them unreachable by a differently typed name.
    clash = db.exec(select(Group).where(sa.func.lower(Group.name) == name.lower())).first()
    if clash is not None:
        raise UserError(f"a group named {clash.name!r} already exists")
    if not 0 < weekly_hours <= 40:
        raise UserError(f"--weekly-hours: {weekly_hours:g} must be more than 0 and at most 40")
    if not 0 < daily_hours <= 12:
        raise UserError(f"--daily-hours: {daily_hours:g} must be more than 0 and at most 12")
    if not 0 <= late_after_minutes <= 240:
        raise UserError(f"--late-after: {late_after_minutes} must be 0 to 240 minutes")
    if note_format not in NOTE_FORMATS:
        raise UserError(f"note format {note_format!r} is not one of {', '.join(NOTE_FORMATS)}")
    group = Group(
        name=name,
        weekly_hours=weekly_hours,
        daily_hours=daily_hours,
        timezone=_timezone(timezone) if timezone and timezone.strip() else machine_timezone(),
        late_after_minutes=late_after_minutes,
        note_format=note_format,
        curriculum_id=curriculum_id,
    )
    db.add(group)
    db.flush()
    audit(db, "group.create", actor=actor, group_id=group.id)
    return group


def list_groups(db: Session) -> list[GroupSummary]:
    """Every group with the number of members who have not left."""
    members = (
        select(Membership.group_id, sa.func.count(col(Membership.id)).label("n"))
        .where(col(Membership.left).is_(None))
        .group_by(col(Membership.group_id))
        .subquery()
    )
    rows = db.exec(
        select(Group, sa.func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.group_id == Group.id)
        .order_by(Group.name)
    ).all()
    return [GroupSummary(group=g, members=int(n)) for g, n in rows]


def get_group(db: Session, name: str) -> Group:
    """The group called `name` (exact, then case-insensitive), or a UserError naming the choices."""
    group = db.exec(select(Group).where(Group.name == name)).first()
    if group is None:
        group = db.exec(select(Group).where(sa.func.lower(Group.name) == name.lower())).first()
    if group is None:
        known = [g.name for g in db.exec(select(Group).order_by(Group.name)).all()]
        hint = (
            f" (groups: {', '.join(known)})"
            if known
            else " (no groups yet: facilitator group add NAME)"
        )
        raise UserError(f"no group named {name!r}{hint}")
    return group
