"""Groups: create, list, look up by name."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.timeutil import machine_timezone, today_in, valid_timezone
from facilitator.errors import UserError
from facilitator.program.roster import clean_name, current_on
from facilitator.program.schedule import canonical
from facilitator.store.audit import audit
from facilitator.store.models import NOTE_FORMATS, Group, Membership

MAX_GROUP_NAME = 80
CHECKIN_SCALES = (None, "craving", "mood", "craving,mood")
"""The stored forms of `--checkin-scales` (`session.scales.parse_scales` reads what is typed)."""


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


def _new_name(db: Session, raw: str, *, keep: Group | None = None) -> str:
    """A clean group name that no other group has (case-insensitive), or a UserError."""
    name = clean_name(raw)
    if not name:
        raise UserError("a group needs a name")
    if len(name) > MAX_GROUP_NAME:
        raise UserError(f"a group name is at most {MAX_GROUP_NAME} characters")
    # Case-insensitive: `get_group` finds groups regardless of case, so 'evening iop' beside
    # 'Evening IOP' would make one of them unreachable by a differently typed name.
    clash = db.exec(select(Group).where(sa.func.lower(Group.name) == name.lower())).first()
    if clash is not None and clash is not keep:
        raise UserError(f"a group named {clash.name!r} already exists")
    return name


def _check_settings(group: Group) -> None:
    """A UserError naming the first setting of `group` that is out of range."""
    if not 0 < group.weekly_hours <= 40:
        raise UserError(
            f"--weekly-hours: {group.weekly_hours:g} must be more than 0 and at most 40"
        )
    if not 0 < group.daily_hours <= 12:
        raise UserError(f"--daily-hours: {group.daily_hours:g} must be more than 0 and at most 12")
    if not 0 <= group.late_after_minutes <= 240:
        raise UserError(f"--late-after: {group.late_after_minutes} must be 0 to 240 minutes")
    if group.note_format not in NOTE_FORMATS:
        raise UserError(
            f"note format {group.note_format!r} is not one of {', '.join(NOTE_FORMATS)}"
        )
    if group.checkin_scales not in CHECKIN_SCALES:
        raise UserError(
            f"--checkin-scales: {group.checkin_scales!r} is not one of craving, mood,"
            " craving,mood or none"
        )
    if not 1 <= group.max_members <= 100:
        raise UserError(f"--max-members: {group.max_members} must be 1 to 100")


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
    meets: str | None = None,
    checkin_scales: str | None = None,
    max_members: int = 12,
    actor: str = "",
) -> Group:
    """Create a group; its name must be new and its settings sensible (`meets`: a `--meets`
    spec stored in its canonical form; `checkin_scales` as `parse_scales` gives it)."""
    group = Group(
        meets=canonical(meets),
        checkin_scales=checkin_scales or None,
        max_members=max_members,
        name=_new_name(db, name),
        weekly_hours=weekly_hours,
        daily_hours=daily_hours,
        late_after_minutes=late_after_minutes,
        note_format=note_format,
        curriculum_id=curriculum_id,
    )
    _check_settings(group)
    group.timezone = _timezone(timezone) if timezone and timezone.strip() else machine_timezone()
    db.add(group)
    db.flush()
    audit(db, "group.create", actor=actor, group_id=group.id)
    return group


EDITABLE = (
    "name",
    "timezone",
    "weekly_hours",
    "daily_hours",
    "late_after_minutes",
    "note_format",
    "curriculum_id",
    "meets",
    "checkin_scales",
    "max_members",
)
"""The settings `edit_group` changes."""


def edit_group(db: Session, group: Group, *, actor: str = "", **changes: object) -> list[str]:
    """Change some of `group`'s settings (keys of `EDITABLE`; None leaves one as it is).

    Every value is checked before anything changes; returns the names of the settings that
    changed, audited as `group.edit` (names of settings only, never values).
    """
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValueError(f"not a group setting: {', '.join(unknown)}")
    wanted = {key: value for key, value in changes.items() if value is not None}
    if "name" in wanted:
        wanted["name"] = _new_name(db, str(wanted["name"]), keep=group)
    if "timezone" in wanted:
        wanted["timezone"] = _timezone(str(wanted["timezone"]))
    if wanted.get("curriculum_id") == "":
        wanted["curriculum_id"] = None  # `--curriculum ""`: no default curriculum
    if "meets" in wanted:
        wanted["meets"] = canonical(str(wanted["meets"]))  # `none` or "": no schedule
    if wanted.get("checkin_scales") == "":
        wanted["checkin_scales"] = None  # no scales
    trial = Group(**{**group.model_dump(include=set(EDITABLE)), **wanted})
    _check_settings(trial)
    changed = [key for key in EDITABLE if key in wanted and getattr(group, key) != wanted[key]]
    for key in changed:
        setattr(group, key, wanted[key])
    if changed:
        db.add(group)
        audit(db, "group.edit", actor=actor, group_id=group.id, fields=changed)
    return changed


def set_archived(db: Session, group: Group, archived: bool, *, actor: str = "") -> bool:
    """Archive or restore `group`; False when it already was. A live session stops archiving."""
    from facilitator.store.models import GroupSession, SessionState

    if group.archived == archived:
        return False
    if archived:
        live = db.exec(
            select(GroupSession).where(
                GroupSession.group_id == group.id, GroupSession.state == SessionState.LIVE.value
            )
        ).first()
        if live is not None:
            raise UserError(f"{group.name} has a live session; end it before archiving the group")
    group.archived = archived
    db.add(group)
    audit(db, "group.archive" if archived else "group.restore", actor=actor, group_id=group.id)
    return True


def list_groups(db: Session, *, include_archived: bool = False) -> list[GroupSummary]:
    """Every group (archived ones only if asked) with its number of current members."""
    query = select(Group)
    if not include_archived:
        query = query.where(sa.not_(col(Group.archived)))
    summaries = []
    for group in db.exec(query.order_by(Group.name)).all():
        count = db.exec(
            select(sa.func.count(sa.distinct(col(Membership.participant_id)))).where(
                Membership.group_id == group.id, current_on(today_in(group.timezone))
            )
        ).one()
        summaries.append(GroupSummary(group=group, members=int(count)))
    return summaries


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
