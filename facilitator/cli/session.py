"""`facilitator run`, `facilitator demo` and the home screen.

With an encrypted database, the TUI opens on its passphrase screen and goes on to the screen
asked for once the database is open (`make_unlock_app`).

The person at the keyboard (the default facilitator, and the actor of what is done here) is
`run --facilitator`, else `FACILITATOR_USER`, else the name saved in the database; when none is
known, the TUI asks it once before its first screen and saves it. `demo` never asks. What `run`
and `demo` do is in `live_start.py` (free of Typer, for a quicker start); here are their options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from facilitator.checkin.options import DEFAULT_PORT
from facilitator.cli.context import AppState, GroupArg, state
from facilitator.cli.live_start import DEMO_USER, run_demo, run_live, run_tui

if TYPE_CHECKING:
    from textual.screen import Screen

    from facilitator.app import FacilitatorApp
    from facilitator.store.database import Database

__all__ = ["DEMO_USER", "open_home", "register"]


def _run_app(app: FacilitatorApp) -> None:
    """Run the TUI; a reason it gave up becomes the command's one-line error (status 1)."""
    code = run_tui(app)
    if code:
        raise typer.Exit(code)


def _unlock_app(
    app_state: AppState, then: Callable[[Database], Screen], *, given: str | None = None
) -> FacilitatorApp:
    """The TUI for an encrypted database: passphrase screen first, then (asking who is at the
    keyboard if nobody is known yet) `then(database)`."""
    from facilitator.app import make_unlock_app

    path = app_state.locked_file()
    assert path is not None

    def opened(database: Database) -> Screen:
        app_state.adopt(database)
        return then(database)

    return make_unlock_app(app_state.url, path, opened, given=given, ask=True)


def open_home(app_state: AppState) -> None:
    """Open the TUI home screen (asking who is at the keyboard first, if nobody is known)."""
    from facilitator.app import make_app
    from facilitator.screens.home import HomeScreen

    if app_state.locked_file() is not None:
        _run_app(_unlock_app(app_state, HomeScreen))
        return
    database = app_state.database()
    _run_app(make_app(database, lambda: HomeScreen(database), ask=True))


def run(
    ctx: typer.Context,
    group: GroupArg,
    curriculum: Annotated[
        str | None,
        typer.Option("--curriculum", metavar="ID_OR_FILE", help="Curriculum id or TOML file."),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic",
            metavar="SESSION_ID",
            help="Session id in the curriculum (default: the next one).",
        ),
    ] = None,
    facilitator: Annotated[
        str | None,
        typer.Option(
            "--facilitator",
            metavar="NAME",
            help="Who leads the group, with credentials (default: $FACILITATOR_USER, else the "
            "name saved in the database, else asked once).",
        ),
    ] = None,
    checkin_host: Annotated[
        str | None,
        typer.Option(
            "--checkin-host",
            metavar="HOST",
            help="Address for phone check-in (default: this machine's LAN address).",
        ),
    ] = None,
    checkin_port: Annotated[
        int,
        typer.Option(
            "--checkin-port",
            metavar="PORT",
            min=0,
            max=65535,
            help="Port for phone check-in (0: any free port).",
        ),
    ] = DEFAULT_PORT,
) -> None:
    """Open the live session screen (resumes the group's unfinished session)."""
    from facilitator.checkin.options import CheckinOptions

    checkin = CheckinOptions(host=checkin_host, port=checkin_port)
    code = run_live(
        state(ctx), group, curriculum=curriculum, topic=topic, facilitator=facilitator,
        checkin=checkin,
    )  # fmt: skip
    if code:
        raise typer.Exit(code)


def demo() -> None:
    """Open a live session on a throwaway database with a fictional group."""
    run_demo()


def register(app: typer.Typer) -> None:
    """Add `run` and `demo` to the root app."""
    app.command("run")(run)
    app.command("demo")(demo)
