"""`facilitator run`, `facilitator demo` and the home screen."""

from __future__ import annotations

import typer

from facilitator.cli.context import AppState, state


def open_home(app_state: AppState) -> None:
    """Open the TUI home screen."""
    from facilitator.app import make_app
    from facilitator.screens.home import HomeScreen

    database = app_state.database()
    make_app(database, lambda: HomeScreen(database)).run()


def run(
    ctx: typer.Context,
    group: str = typer.Argument(..., help="The group's name."),
    curriculum: str | None = typer.Option(
        None, "--curriculum", metavar="ID_OR_FILE", help="Curriculum id or TOML file."
    ),
    topic: str | None = typer.Option(
        None,
        "--topic",
        metavar="SESSION_ID",
        help="Session id in the curriculum (default: the next one).",
    ),
    facilitator: str | None = typer.Option(
        None, "--facilitator", metavar="NAME", help="Who leads the group."
    ),
    checkin_host: str | None = typer.Option(
        None,
        "--checkin-host",
        metavar="HOST",
        help="Address for phone check-in (default: this machine's LAN address).",
    ),
    checkin_port: int = typer.Option(
        8765,
        "--checkin-port",
        metavar="PORT",
        min=0,
        max=65535,
        help="Port for phone check-in (0: any free port).",
    ),
) -> None:
    """Open the live session screen (resumes the group's unfinished session)."""
    from facilitator.app import make_live_app
    from facilitator.groups import get_group
    from facilitator.sessions import start_or_resume
    from facilitator.timeutil import utcnow

    database = state(ctx).database()
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
        typer.echo(
            "Resuming the group's unfinished session; --curriculum/--topic ignored.", err=True
        )
    from facilitator.screens.live import CheckinOptions

    app = make_live_app(
        database, opened.session_id, checkin=CheckinOptions(host=checkin_host, port=checkin_port)
    )
    app.run()
    if app.return_code:
        raise typer.Exit(app.return_code)


def demo() -> None:
    """Open a live session on a throwaway database with a fictional group."""
    import tempfile

    from facilitator.app import make_live_app
    from facilitator.db import open_database
    from facilitator.demo import build_demo
    from facilitator.timeutil import utcnow

    with tempfile.TemporaryDirectory(prefix="facilitator-demo-") as folder:
        database = open_database(f"sqlite:///{folder}/demo.db")
        session_id = build_demo(database, now=utcnow())
        from facilitator.screens.live import CheckinOptions

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
