"""`run` on a terminal: the first frame from the command line, then the database and the session.

The app is built and drawn with Textual alone (`make_opening_app`: the group's name as given and
the live screen's footer). In the opening screen's thread the database opens (an encrypted file
goes to its passphrase screen instead), the person at the keyboard is learnt (or asked, on the
name screen), the session is started or resumed and the live screen's code is imported; then the
live screen replaces the first frame. A problem (no such group, no curriculum) ends the app with
its one-line error, as before it opened. The phone check-in socket is bound in that thread too,
before the session loads, and the check-in server (aiohttp) is imported there, after the first
frame.
"""

from __future__ import annotations

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
