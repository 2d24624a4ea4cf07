"""The `facilitator` command line (Typer). Sub-commands live one file per domain."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from facilitator.cli import (
    badges,
    curriculum,
    database,
    export,
    groups,
    imports,
    report,
    roster,
    schedule,
    session,
    sign,
)
from facilitator.cli.context import AppState
from facilitator.errors import ManyErrors, UserError

app = typer.Typer(
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
        session.open_home(ctx.obj)


groups.register(app)
roster.register(app)
curriculum.register(app)
session.register(app)
report.register(app)
schedule.register(app, report.report_app)
export.register(app)
imports.register(app)
badges.register(app)
sign.register(app)
database.register(app)


def main() -> None:
    """Entry point: user errors become one line on stderr and exit status 1."""
    try:
        app()
    except ManyErrors as exc:
        # One line per problem, each already naming its place (FILE:ROW: problem).
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        sys.exit(1)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
