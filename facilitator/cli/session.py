"""`facilitator run`, `facilitator demo` and the home screen.

With an encrypted database, the TUI opens on its passphrase screen and goes on to the screen
asked for once the database is open (`make_unlock_app`).

The person at the keyboard (the default facilitator, and the actor of what is done here) is
`run --facilitator`, else `FACILITATOR_USER`, else the name saved in the database; when none is
known, the TUI asks it once before its first screen and saves it. `demo` never asks. `run` needs
a terminal: from a pipe or a script it refuses, and starts nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from facilitator.cli.context import AppState, GroupArg, state

if TYPE_CHECKING:
    from textual.screen import Screen

    from facilitator.app import FacilitatorApp
    from facilitator.store.database import Database

DEMO_USER = "Demo Facilitator"
"""The fictional person at the keyboard of `facilitator demo` (it never asks)."""


def _run_app(app: FacilitatorApp) -> None:
    """Run the TUI; a reason it gave up becomes the command's one-line error (status 1)."""
    app.run()
    if app.error is not None:
        raise app.error
    if app.return_code:
        raise typer.Exit(app.return_code)


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


def _on_terminal() -> bool:
    """Standard input and output are both a terminal (the live screen needs one)."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def _check_start(database: Database, group: str, curriculum: str | None, topic: str | None) -> None:
    """Raise the UserError `run` would meet starting the group's session (without starting it)."""
    from facilitator.program.groups import get_group
    from facilitator.session.lifecycle import choose_curriculum, live_session

    with database.session() as db:
        target = get_group(db, group)
        if live_session(db, target) is None:
            chosen = choose_curriculum(db, target, curriculum)
            if topic:
                chosen.topic(topic)


NOT_A_TERMINAL = (
    "run opens the live session screen and needs a terminal: standard input and output must "
    "both be one (nothing was started)"
)


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
    ] = 8765,
) -> None:
    """Open the live session screen (resumes the group's unfinished session)."""
    from facilitator.checkin.options import CheckinOptions
    from facilitator.errors import UserError

    app_state = state(ctx)
    checkin = CheckinOptions(host=checkin_host, port=checkin_port)
    if facilitator is not None:
        from facilitator.program.staff import clean_user

        try:
            facilitator = clean_user(facilitator)
        except UserError as exc:
            raise UserError(f"--facilitator: {exc}") from None

    def start(database: Database, name: str, warn: Callable[[str], object]) -> str:
        from facilitator.common.timeutil import utcnow
        from facilitator.program.groups import get_group
        from facilitator.session.lifecycle import start_or_resume

        with database.session() as db:
            target = get_group(db, group)
            opened = start_or_resume(
                db,
                group=target,
                curriculum=curriculum,
                topic=topic,
                facilitator=name,
                now=utcnow(),
            )
        if opened.resumed and (curriculum or topic):
            warn("Resuming the group's unfinished session; --curriculum/--topic ignored.")
        return opened.session_id

    def live_screen(database: Database) -> Screen:
        """Start (or resume) the session once the person at the keyboard is known."""
        from facilitator.screens.live import LiveScreen
        from facilitator.session.live import open_live

        user = app.keyboard_user
        session_id = start(database, user, lambda text: app.notify(text, severity="warning"))
        return LiveScreen(open_live(database, session_id, actor=user), checkin=checkin)

    if not _on_terminal():
        if app_state.locked_file() is None:  # the real problem first, if any
            _check_start(app_state.database(), group, curriculum, topic)
        raise UserError(NOT_A_TERMINAL)
    if app_state.encrypt_new and app_state.locked_file() is None:
        app_state.database()  # its new passphrase is asked on the terminal, before the screen
    from facilitator.cli.live_start import opening_app

    app = opening_app(
        app_state, group, given=facilitator, start=start, live_screen=live_screen, checkin=checkin
    )
    _run_app(app)


def demo() -> None:
    """Open a live session on a throwaway database with a fictional group."""
    import tempfile

    from facilitator.app import make_live_app
    from facilitator.common.timeutil import utcnow
    from facilitator.demo import build_demo
    from facilitator.store.database import open_database

    with tempfile.TemporaryDirectory(prefix="facilitator-demo-") as folder:
        database = open_database(f"sqlite:///{folder}/demo.db")
        session_id = build_demo(database, now=utcnow())
        from facilitator.checkin.options import CheckinOptions

        # The demo serves phone check-in on this machine only, on any free port.
        app = make_live_app(
            database, session_id, actor=DEMO_USER, checkin=CheckinOptions(host="127.0.0.1", port=0)
        )
        app.throwaway = True  # nothing to resume: say so below instead
        app.run()
        database.dispose()
    typer.echo("Demo finished; its throwaway database has been deleted.")


def register(app: typer.Typer) -> None:
    """Add `run` and `demo` to the root app."""
    app.command("run")(run)
    app.command("demo")(demo)
