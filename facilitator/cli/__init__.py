"""The `facilitator` command line (Typer, in `commands.py`). Sub-commands live one file per domain.

`facilitator run` and `facilitator demo` with well-formed options start without importing the
parser (`quick.py`), so the first frame is drawn sooner; anything else, `--help` included, goes
through Typer, whose messages and checks stay the reference.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

    app: typer.Typer


def main() -> None:
    """Entry point: user errors become one line on stderr and exit status 1."""
    from facilitator.errors import ManyErrors, UserError

    try:
        _dispatch(sys.argv[1:])
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


def _dispatch(args: list[str]) -> None:
    """Run the command in `args`: `run`/`demo` directly when they are plain, else through Typer."""
    from facilitator.cli.quick import quick_command

    command = quick_command(args)
    if command is None:
        from facilitator.cli.commands import app

        app()
    else:
        sys.exit(command())


def __getattr__(name: str) -> object:
    """`facilitator.cli.app`, the Typer app, built on first use."""
    if name == "app":
        from facilitator.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
