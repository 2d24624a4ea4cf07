"""`facilitator badges GROUP --out FILE.html`: a printable sheet of check-in cards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from facilitator.cli.context import GroupArg, state


def badges(
    ctx: typer.Context,
    group: GroupArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE.html",
            help="Where to write the sheet (not replaced unless --force).",
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Replace FILE.html if it exists.")
    ] = False,
) -> None:
    """Printable check-in cards: first name, code and QR per member — nothing names the group."""
    from facilitator.program.badges import write_badges

    count = write_badges(state(ctx).database(), group, out, force=force)
    noun = "card" if count == 1 else "cards"
    typer.echo(f"{out}: {count} check-in {noun} (readable by you only)")


def register(app: typer.Typer) -> None:
    """Add `badges` to the root app."""
    app.command("badges")(badges)
