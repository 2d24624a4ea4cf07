"""`facilitator group add|list`."""

from __future__ import annotations

from typing import Annotated

import typer

from facilitator.cli.context import state

group_app = typer.Typer(help="Create and list groups.", no_args_is_help=True)


@group_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The group's name, e.g. 'Evening IOP'.")],
    weekly_hours: Annotated[
        float, typer.Option("--weekly-hours", help="IOP minimum service hours a week.")
    ] = 9.0,
    daily_hours: Annotated[
        float, typer.Option("--daily-hours", help="Minimum service hours a day.")
    ] = 3.0,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="IANA time zone (default: this machine's).")
    ] = None,
    note_format: Annotated[
        str, typer.Option("--note-format", help="Progress note format: DAP, BIRP, GIRP or SOAP.")
    ] = "DAP",
    late_after: Annotated[
        int,
        typer.Option(
            "--late-after", help="Minutes after the start when a check-in counts as late."
        ),
    ] = 10,
    curriculum: Annotated[
        str | None,
        typer.Option("--curriculum", help="Curriculum id the group follows by default."),
    ] = None,
) -> None:
    """Create a group."""
    from facilitator.program.groups import create_group

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

    from facilitator.program.groups import list_groups

    with state(ctx).database().session() as db:
        summaries = list_groups(db)
    if not summaries:
        typer.echo("No groups yet. Create one with: facilitator group add NAME")
        return
    table = Table("group", "members", "h/week", "h/day", "time zone", "notes")
    table.columns[0].overflow = "fold"  # a narrow terminal wraps a long name, never cuts it
    for column in table.columns[1:4]:
        column.justify = "right"
    for s in summaries:
        g = s.group
        table.add_row(
            Text(g.name),
            str(s.members),
            f"{g.weekly_hours:g}",
            f"{g.daily_hours:g}",
            Text(g.timezone),
            Text(g.note_format),
        )
    Console(soft_wrap=True, highlight=False).print(table)


def register(app: typer.Typer) -> None:
    """Add `group` to the root app."""
    app.add_typer(group_app, name="group")
