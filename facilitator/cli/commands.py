"""The `facilitator` command line as Typer builds it: the root and its options; the sub-commands
(one file per domain) load when asked for (`lazy.py`)."""

from __future__ import annotations

from typing import Annotated

import typer

from facilitator.cli.context import AppState
from facilitator.cli.lazy import LazyGroup

app = typer.Typer(
    cls=LazyGroup,
    name="facilitator",
    help=(
        "Run live IOP group sessions: check-in, timed agenda, breaks, notes and attendance. "
        "Without a command, opens the home screen (groups, sessions, history, reports)."
    ),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Database URL (default: $FACILITATOR_DB, else a SQLite file in your data folder).",
        ),
    ] = None,
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt",
            help="First run: create the database encrypted (asks for a new passphrase twice). "
            "An existing one: see `facilitator db encrypt`.",
        ),
    ] = False,
) -> None:
    """Open the home screen when no command is given."""
    ctx.obj = AppState(db_url=db, encrypt_new=encrypt)
    if ctx.invoked_subcommand is None:
        from facilitator.cli.session import open_home

        open_home(ctx.obj)
