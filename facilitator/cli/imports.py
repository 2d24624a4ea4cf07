"""`facilitator import sessions`: load session logs from the json export format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from facilitator.cli.context import state

import_app = typer.Typer(help="Import session logs.", no_args_is_help=True)


@import_app.command("sessions")
def sessions(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.json", help="A file from `facilitator export sessions --format json`."
        ),
    ],
) -> None:
    """Load sessions: idempotent by session id, all or nothing, every problem reported."""
    from facilitator.exchange.importer import import_sessions
    from facilitator.program.staff import actor

    with state(ctx).database().session() as db:
        result = import_sessions(db, file, actor=actor(db))
    typer.echo(f"Imported {result.imported} sessions ({result.skipped} already present)")
    for name, timezone in result.groups_created:
        typer.echo(
            f"note: created group {name!r} with time zone {timezone} "
            "(guessed from the file's times)",
            err=True,
        )
    if result.members_created:
        typer.echo(f"note: added {result.members_created} members", err=True)


def register(app: typer.Typer) -> None:
    """Add `import` to the root app."""
    app.add_typer(import_app, name="import")
