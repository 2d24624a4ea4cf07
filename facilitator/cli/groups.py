"""`facilitator group add|edit|archive|restore|list`.

Every change is recorded with the person at the keyboard as its actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer

from facilitator.cli.context import GroupArg, state

group_app = typer.Typer(
    help="Create, change, archive, restore and list groups.", no_args_is_help=True
)


def _check_curriculum(curriculum_id: str | None) -> None:
    """A UserError naming the installed curricula when `curriculum_id` is none of them."""
    if not curriculum_id:
        return
    from facilitator.curriculum.catalog import discover
    from facilitator.errors import UserError

    installed = discover().curricula
    if curriculum_id not in installed:
        known = ", ".join(sorted(installed)) or "none installed"
        raise UserError(f"--curriculum: unknown curriculum {curriculum_id!r} (installed: {known})")


@dataclass(frozen=True)
class Setting:
    """A group setting as `group add` and `group edit` take it."""

    flag: str
    shown: str
    """How `group edit` names it when it changed."""
    help: str
    metavar: str | None = None
    """Its value's name in `group edit --help` (`group add` shows the type)."""
    edit_help: str | None = None
    """Its help in `group edit`, when not `help`."""

    def new(self) -> Any:
        """The option of `group add`."""
        return typer.Option(self.flag, help=self.help)

    def change(self) -> Any:
        """The option of `group edit`."""
        return typer.Option(self.flag, metavar=self.metavar, help=self.edit_help or self.help)


SETTINGS = {
    "name": Setting("--name", "name", "A new name.", "NEW"),
    "timezone": Setting(
        "--timezone",
        "time zone",
        "IANA time zone (default: this machine's).",
        "TZ",
        "IANA time zone.",
    ),
    "weekly_hours": Setting(
        "--weekly-hours", "weekly hours", "IOP minimum service hours a week.", "H"
    ),
    "daily_hours": Setting("--daily-hours", "daily hours", "Minimum service hours a day.", "H"),
    "late_after_minutes": Setting(
        "--late-after",
        "late-after",
        "Minutes after the start when a check-in counts as late.",
        "MIN",
    ),
    "note_format": Setting(
        "--note-format", "note format", "Progress note format: DAP, BIRP, GIRP or SOAP."
    ),
    "curriculum_id": Setting(
        "--curriculum",
        "curriculum",
        "Curriculum id the group follows by default.",
        "ID",
        "Default curriculum id ('' for none).",
    ),
    "meets": Setting(
        "--meets",
        "schedule",
        "When the group meets: weekdays and a local start-end, blocks separated by ';',"
        " e.g. 'mon,wed,fri 18:00-21:00'.",
        "SPEC",
        "When the group meets, e.g. 'mon,wed 09:00-12:00; thu 13:00-16:00' ('none' for no"
        " schedule).",
    ),
    "checkin_scales": Setting(
        "--checkin-scales",
        "check-in scales",
        "Scales asked 0-10 at check-in: craving, mood, craving,mood or none (default).",
        "LIST",
    ),
    "max_members": Setting(
        "--max-members",
        "size warning",
        "Members checked in above which the live screen warns (1-100, default 12).",
        "N",
    ),
}
"""Every setting, by the core's name for it, in the order `group edit` lists them."""
SHOWN = {key: setting.shown for key, setting in SETTINGS.items()}
"""How `group edit` names each setting it changed."""
_FLAGS = [setting.flag for setting in SETTINGS.values()]


@group_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The group's name, e.g. 'Evening IOP'.")],
    weekly_hours: Annotated[float, SETTINGS["weekly_hours"].new()] = 9.0,
    daily_hours: Annotated[float, SETTINGS["daily_hours"].new()] = 3.0,
    timezone: Annotated[str | None, SETTINGS["timezone"].new()] = None,
    note_format: Annotated[str, SETTINGS["note_format"].new()] = "DAP",
    late_after: Annotated[int, SETTINGS["late_after_minutes"].new()] = 10,
    curriculum: Annotated[str | None, SETTINGS["curriculum_id"].new()] = None,
    meets: Annotated[str | None, SETTINGS["meets"].new()] = None,
    checkin_scales: Annotated[str | None, SETTINGS["checkin_scales"].new()] = None,
    max_members: Annotated[int, SETTINGS["max_members"].new()] = 12,
) -> None:
    """Create a group."""
    from facilitator.program.groups import create_group
    from facilitator.program.staff import actor
    from facilitator.session.scales import parse_scales

    _check_curriculum(curriculum)
    with state(ctx).database().session() as db:
        group = create_group(
            db,
            name=name,
            weekly_hours=weekly_hours,
            daily_hours=daily_hours,
            timezone=timezone,
            note_format=note_format.strip().upper(),
            late_after_minutes=late_after,
            curriculum_id=curriculum,
            meets=meets,
            checkin_scales=parse_scales(checkin_scales),
            max_members=max_members,
            actor=actor(db),
        )
        schedule = f", meets {group.meets}" if group.meets else ""
        typer.echo(
            f"Created group {group.name!r}: {group.weekly_hours:g} h/week, "
            f"{group.daily_hours:g} h/day, time zone {group.timezone}{schedule}."
        )


@group_app.command("edit")
def edit(
    ctx: typer.Context,
    group: GroupArg,
    name: Annotated[str | None, SETTINGS["name"].change()] = None,
    timezone: Annotated[str | None, SETTINGS["timezone"].change()] = None,
    weekly_hours: Annotated[float | None, SETTINGS["weekly_hours"].change()] = None,
    daily_hours: Annotated[float | None, SETTINGS["daily_hours"].change()] = None,
    late_after: Annotated[int | None, SETTINGS["late_after_minutes"].change()] = None,
    note_format: Annotated[str | None, SETTINGS["note_format"].change()] = None,
    curriculum: Annotated[str | None, SETTINGS["curriculum_id"].change()] = None,
    meets: Annotated[str | None, SETTINGS["meets"].change()] = None,
    checkin_scales: Annotated[str | None, SETTINGS["checkin_scales"].change()] = None,
    max_members: Annotated[int | None, SETTINGS["max_members"].change()] = None,
) -> None:
    """Change a group's settings; the ones not given stay as they are."""
    from facilitator.errors import UserError
    from facilitator.program.groups import edit_group, get_group
    from facilitator.program.staff import actor
    from facilitator.session.scales import parse_scales

    changes = {
        "name": name,
        "timezone": timezone,
        "weekly_hours": weekly_hours,
        "daily_hours": daily_hours,
        "late_after_minutes": late_after,
        "note_format": note_format.strip().upper() if note_format is not None else None,
        "curriculum_id": curriculum.strip() if curriculum is not None else None,
        "meets": meets,
        # `none` clears the scales: "" to the core (None would leave them as they are).
        "checkin_scales": None if checkin_scales is None else parse_scales(checkin_scales) or "",
        "max_members": max_members,
    }
    if all(value is None for value in changes.values()):
        raise UserError(
            f"group edit: nothing to change (give {', '.join(_FLAGS[:-1])} or {_FLAGS[-1]})"
        )
    _check_curriculum(changes["curriculum_id"])  # type: ignore[arg-type]
    with state(ctx).database().session() as db:
        target = get_group(db, group)
        changed = edit_group(db, target, actor=actor(db), **changes)
        shown = target.name
    if not changed:
        typer.echo(f"Nothing changed: {shown!r} already has those settings.")
        return
    typer.echo(f"Changed {shown!r}: {', '.join(SHOWN[key] for key in changed)}.")


@group_app.command("archive")
def archive(ctx: typer.Context, group: GroupArg) -> None:
    """Hide a group from the home screen and `group list`; its records stay."""
    _archive(ctx, group, archived=True)


@group_app.command("restore")
def restore(ctx: typer.Context, group: GroupArg) -> None:
    """Bring an archived group back to the home screen and `group list`."""
    _archive(ctx, group, archived=False)


def _archive(ctx: typer.Context, group: str, *, archived: bool) -> None:
    """Archive or restore `group`, saying what happened."""
    from facilitator.program.groups import get_group, set_archived
    from facilitator.program.staff import actor

    with state(ctx).database().session() as db:
        target = get_group(db, group)
        done = set_archived(db, target, archived, actor=actor(db))
        shown = target.name
    if not done:
        typer.echo(f"{shown!r} is {'archived already' if archived else 'not archived'}.")
    elif archived:
        typer.echo(
            f"Archived {shown!r}: its records stay; `facilitator group restore` brings it back."
        )
    else:
        typer.echo(f"Restored {shown!r}.")


@group_app.command("list")
def list_(
    ctx: typer.Context,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list archived groups, marked as such.")
    ] = False,
) -> None:
    """Groups with their member counts."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from facilitator.program.groups import list_groups

    with state(ctx).database().session() as db:
        summaries = list_groups(db, include_archived=True)
    archived = [s for s in summaries if s.group.archived]
    if not show_all:
        summaries = [s for s in summaries if not s.group.archived]
    if not summaries:
        if archived:
            typer.echo(
                f"No active groups ({len(archived)} archived: --all lists them; "
                "facilitator group restore GROUP brings one back)."
            )
        else:
            typer.echo("No groups yet. Create one with: facilitator group add NAME")
        return
    headings = ["group", "members", "h/week", "h/day", "time zone", "notes"]
    table = Table(*headings, *(["archived"] if show_all else []))
    table.columns[0].overflow = "fold"  # a narrow terminal wraps a long name, never cuts it
    for column in table.columns[1:4]:
        column.justify = "right"
    for s in summaries:
        g = s.group
        cells: list[Text | str] = [
            Text(g.name),
            str(s.members),
            f"{g.weekly_hours:g}",
            f"{g.daily_hours:g}",
            Text(g.timezone),
            Text(g.note_format),
        ]
        if show_all:
            cells.append("archived" if g.archived else "")
        table.add_row(*cells)
    Console(soft_wrap=True, highlight=False).print(table)


def register(app: typer.Typer) -> None:
    """Add `group` to the root app."""
    app.add_typer(group_app, name="group")
