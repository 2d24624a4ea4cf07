"""`facilitator group add|list`."""

from __future__ import annotations

import typer

from facilitator.cli.context import state

group_app = typer.Typer(help="Create and list groups.", no_args_is_help=True)


@group_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The group's name, e.g. 'Evening IOP'."),
    weekly_hours: float = typer.Option(9.0, "--weekly-hours", help="IOP minimum service hours a week."),
    daily_hours: float = typer.Option(3.0, "--daily-hours", help="Minimum service hours a day."),
    timezone: str | None = typer.Option(
        None, "--timezone", help="IANA time zone (default: this machine's)."
    ),
    note_format: str = typer.Option(
        "DAP", "--note-format", help="Progress note format: DAP, BIRP, GIRP or SOAP."
    ),
    late_after: int = typer.Option(
        10, "--late-after", help="Minutes after the start when a check-in counts as late."
    ),
    curriculum: str | None = typer.Option(
        None, "--curriculum", help="Curriculum id the group follows by default."
    ),
) -> None:
    """Create a group."""
    from facilitator.groups import create_group

    with state(ctx).database().session() as db:
        group = create_group(
            db,
            name=name,
            weekly_hours=weekly_hours,
            daily_hours=daily_hours,
            timezone=timezone,
            note_format=note_format.upper(),
            late_after_minutes=late_after,
            curriculum_id=curriculum,
        )
        typer.echo(
            f"Created group {group.name!r}: {group.weekly_hours:g} h/week, "
            f"{group.daily_hours:g} h/day, time zone {group.timezone}."
        )


@group_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Groups with their member counts."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from facilitator.groups import list_groups

    with state(ctx).database().session() as db:
        summaries = list_groups(db)
    if not summaries:
        typer.echo("No groups yet. Create one with: facilitator group add NAME")
        return
    table = Table("group", "members", "h/week", "h/day", "time zone", "notes")
    for s in summaries:
        g = s.group
        table.add_row(
            Text(g.name), str(s.members), f"{g.weekly_hours:g}", f"{g.daily_hours:g}", g.timezone, g.note_format,
        )
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `group` to the root app."""
    app.add_typer(group_app, name="group")
