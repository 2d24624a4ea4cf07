"""`facilitator roster import|list`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from facilitator.cli.context import GroupArg, state

roster_app = typer.Typer(help="Import and list group members.", no_args_is_help=True)


@roster_app.command("import")
def import_(
    ctx: typer.Context,
    group: GroupArg,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="CSV with header 'name' and optional code, external_id, joined (YYYY-MM-DD).",
        ),
    ],
) -> None:
    """Add or update members from a CSV file; any bad row imports nothing."""
    from facilitator.exchange.roster_csv import import_csv
    from facilitator.program.groups import get_group

    with state(ctx).database().session() as db:
        target = get_group(db, group)
        result = import_csv(db, target, file)
    total = result.added + result.updated
    typer.echo(
        f"Imported {total} member{'' if total == 1 else 's'} into {target.name!r}: "
        f"{result.added} added, {result.updated} updated."
    )


@roster_app.command("list")
def list_(
    ctx: typer.Context,
    group: GroupArg,
    show_codes: Annotated[
        bool, typer.Option("--codes", help="Show each member's check-in code.")
    ] = False,
) -> None:
    """The group's members."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from facilitator.program.groups import get_group
    from facilitator.program.roster import members

    with state(ctx).database().session() as db:
        target = get_group(db, group)
        rows = members(db, target)
    if not rows:
        typer.echo(f"{target.name} has no members yet. Add them with: facilitator roster import")
        return
    columns = ["name", "external id", "joined"] + (["code"] if show_codes else [])
    table = Table(*columns, title=Text(f"{target.name}: {len(rows)} members"))
    table.columns[0].overflow = "fold"  # a narrow terminal wraps a long name, never cuts it
    if show_codes:
        table.columns[-1].no_wrap = True  # a code read off the screen must never be split
    for m in rows:
        cells: list[Text | str] = [
            Text(m.participant.name),
            Text(m.participant.external_id or ""),
            m.membership.joined.isoformat(),
        ]
        if show_codes:
            cells.append(Text(m.participant.code))
        table.add_row(*cells)
    Console(soft_wrap=True, highlight=False).print(table)


def register(app: typer.Typer) -> None:
    """Add `roster` to the root app."""
    app.add_typer(roster_app, name="roster")
