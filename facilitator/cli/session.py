"""`facilitator run`, `facilitator demo` and the home screen.

With an encrypted database, the TUI opens on its passphrase screen and goes on to the screen
asked for once the database is open (`make_unlock_app`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from facilitator.cli.context import AppState, GroupArg, state

if TYPE_CHECKING:
    from textual.screen import Screen

    from facilitator.app import FacilitatorApp
    from facilitator.store.database import Database


def _run_app(app: FacilitatorApp) -> None:
    """Run the TUI; a reason it gave up becomes the command's one-line error (status 1)."""
    app.run()
    if app.error is not None:
        raise app.error
    if app.return_code:
        raise typer.Exit(app.return_code)


def _unlock_app(app_state: AppState, then: Callable[[Database], Screen]) -> FacilitatorApp:
    """The TUI for an encrypted database: passphrase screen first, then `then(database)`."""
    from facilitator.app import make_unlock_app

    path = app_state.locked_file()
    assert path is not None

    def opened(database: Database) -> Screen:
        app_state.adopt(database)
        return then(database)

    return make_unlock_app(app_state.url, path, opened)


def open_home(app_state: AppState) -> None:
    """Open the TUI home screen."""
    from facilitator.app import make_app
    from facilitator.screens.home import HomeScreen

    if app_state.locked_file() is not None:
        _run_app(_unlock_app(app_state, HomeScreen))
        return
    database = app_state.database()
    make_app(database, lambda: HomeScreen(database)).run()


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
        str | None, typer.Option("--facilitator", metavar="NAME", help="Who leads the group.")
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
    from facilitator.app import make_live_app

    def start(database: Database, warn: Callable[[str], object]) -> str:
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
                facilitator=facilitator,
                now=utcnow(),
            )
        if opened.resumed and (curriculum or topic):
            warn("Resuming the group's unfinished session; --curriculum/--topic ignored.")
        return opened.session_id

    app_state = state(ctx)
    if app_state.locked_file() is not None:
        from facilitator.checkin.options import CheckinOptions
        from facilitator.screens.live import LiveScreen

        def live_screen(database: Database) -> Screen:
            from facilitator.session.live import open_live

            session_id = start(database, lambda text: app.notify(text, severity="warning"))
            checkin = CheckinOptions(host=checkin_host, port=checkin_port)
            return LiveScreen(open_live(database, session_id), checkin=checkin)

        app = _unlock_app(app_state, live_screen)
        _run_app(app)
        return
    database = app_state.database()
    session_id = start(database, lambda text: typer.echo(text, err=True))
    from facilitator.checkin.options import CheckinOptions

    app = make_live_app(
        database, session_id, checkin=CheckinOptions(host=checkin_host, port=checkin_port)
    )
    app.run()
    if app.return_code:
        raise typer.Exit(app.return_code)


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
            database, session_id, actor="demo", checkin=CheckinOptions(host="127.0.0.1", port=0)
        )
        app.run()
        database.dispose()
    typer.echo("Demo finished; its throwaway database has been deleted.")


def register(app: typer.Typer) -> None:
    """Add `run` and `demo` to the root app."""
    app.command("run")(run)
    app.command("demo")(demo)
