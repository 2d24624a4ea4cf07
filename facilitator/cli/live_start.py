"""`run` and `demo`, without Typer: `run` draws its first frame from the command line, then opens
the database and the session.

`run` needs a terminal: from a pipe or a script it refuses, and starts nothing. The app is built
and drawn with Textual alone (`make_opening_app`: the group's name as given and the live screen's
footer). In the opening screen's thread the database opens (an encrypted file goes to its
passphrase screen instead), the person at the keyboard is learnt (or asked, on the name screen),
the session is started or resumed and the live screen's code is imported; then the live screen
replaces the first frame. A problem (no such group, no curriculum) ends the app with its one-line
error, as before it opened. The phone check-in socket is bound in that thread too, before the
session loads, and the check-in server (aiohttp) is imported there, after the first frame.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    from facilitator.app import FacilitatorApp
    from facilitator.checkin.options import CheckinOptions
    from facilitator.cli.context import AppState
    from facilitator.store.database import Database

Start = Callable[["Database", str, Callable[[str], object]], str]
"""Starts or resumes the session as `name`, telling `warn` what it ignored; its id."""
ScreenFor = Callable[["Database"], "Screen[Any]"]
"""The live screen for an open database, once the person at the keyboard is known."""

DEMO_USER = "Demo Facilitator"
"""The fictional person at the keyboard of `facilitator demo` (it never asks)."""

NOT_A_TERMINAL = (
    "run opens the live session screen and needs a terminal: standard input and output must "
    "both be one (nothing was started)"
)


def run_tui(app: FacilitatorApp) -> int:
    """Run the TUI; a reason it gave up is raised (the command's one-line error, status 1);
    else its exit status."""
    app.run()
    if app.error is not None:
        raise app.error
    return app.return_code or 0


def run_live(
    app_state: AppState,
    group: str,
    *,
    curriculum: str | None,
    topic: str | None,
    facilitator: str | None,
    checkin: CheckinOptions,
) -> int:
    """`facilitator run GROUP ...`: the live session screen; its exit status."""
    from facilitator.errors import UserError

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

    def live_screen(database: Database) -> Screen[Any]:
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
    app = opening_app(
        app_state, group, given=facilitator, start=start, live_screen=live_screen, checkin=checkin
    )
    return run_tui(app)


def run_demo() -> None:
    """`facilitator demo`: a live session on a throwaway database with a fictional group."""
    import tempfile

    from facilitator.app import make_live_app
    from facilitator.checkin.options import CheckinOptions
    from facilitator.common.timeutil import utcnow
    from facilitator.demo import build_demo
    from facilitator.store.database import open_database

    with tempfile.TemporaryDirectory(prefix="facilitator-demo-") as folder:
        database = open_database(f"sqlite:///{folder}/demo.db")
        session_id = build_demo(database, now=utcnow())
        # The demo serves phone check-in on this machine only, on any free port.
        app = make_live_app(
            database, session_id, actor=DEMO_USER, checkin=CheckinOptions(host="127.0.0.1", port=0)
        )
        app.throwaway = True  # nothing to resume: say so below instead
        app.run()
        database.dispose()
    print("Demo finished; its throwaway database has been deleted.")


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


def opening_app(
    app_state: AppState,
    group: str,
    *,
    given: str | None,
    start: Start,
    live_screen: ScreenFor,
    checkin: CheckinOptions,
) -> FacilitatorApp:
    """The app `run` shows: its first frame at once, the live session once it has loaded."""
    from facilitator.app import make_opening_app

    def load() -> Callable[[], Screen[Any]]:
        return _load(app, app_state, given, start, live_screen, checkin)

    app = make_opening_app(group, load)
    return app


def _load(
    app: FacilitatorApp,
    app_state: AppState,
    given: str | None,
    start: Start,
    live_screen: ScreenFor,
    checkin: CheckinOptions,
) -> Callable[[], Screen[Any]]:
    """(In a thread.) What makes the screen after the first frame."""
    path = app_state.locked_file()
    if path is not None:
        from facilitator.app import unlock_screen

        url = app_state.url

        def opened(database: Database) -> Screen[Any]:
            app_state.adopt(database)
            return live_screen(database)

        return lambda: unlock_screen(app, url, path, opened, given=given, ask=True)
    database = app_state.database()
    from facilitator.program.staff import keyboard_user

    with database.session() as db:
        user = keyboard_user(db, given) or ""
    if not user:
        from facilitator.screens.name_screen import NameScreen

        def ask() -> Screen[Any]:
            app.database = database
            return NameScreen(database, lambda: live_screen(database))

        return ask
    checkin = _bound(checkin)
    from facilitator.screens.live import LiveScreen
    from facilitator.session.live import open_live

    warnings: list[str] = []
    live = open_live(database, start(database, user, warnings.append), actor=user)

    def shown() -> Screen[Any]:
        app.database, app.keyboard_user = database, user
        for text in warnings:
            app.notify(text, severity="warning")
        return LiveScreen(live, checkin=checkin)

    return shown


def _bound(checkin: CheckinOptions) -> CheckinOptions:
    """`checkin` with its socket bound and listening now, before the session loads: a phone
    that connects meanwhile waits in the backlog. Imports the server (aiohttp) here, in the
    thread. A host name (which may stand for several addresses) or a failed bind is left to
    the live screen, which binds as before and says what went wrong."""
    import dataclasses
    import ipaddress
    import socket

    from facilitator.checkin.server import default_host

    host = checkin.host or default_host()
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
        listening = socket.create_server((host, checkin.port), family=family, backlog=128)
    except (ValueError, OSError):
        return checkin
    return dataclasses.replace(checkin, listening=listening)
