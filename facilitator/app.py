"""The Textual app: wires the database and shows the first screen. Built by `make_app`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.store.database import Database

if TYPE_CHECKING:
    from facilitator.checkin.options import CheckinOptions
    from facilitator.common.clock import Now


class FacilitatorApp(App[None]):
    """facilitator's TUI. The first screen comes from a factory so CLI, demo and tests share it."""

    CSS_PATH = "app.tcss"
    TITLE = "facilitator"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True)]

    def __init__(self, database: Database | None, first_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.database = database
        """The open database (None until an encrypted one is unlocked)."""
        self._first_screen = first_screen
        self.error: UserError | None = None
        """Why the app gave up (e.g. the passphrase was not given); the CLI prints it."""
        self.keyboard_user = ""
        """The person at the keyboard (name and credentials): the default facilitator of a
        session started here and the actor of every audit event made here."""

    def on_mount(self) -> None:
        self.push_screen(self._first_screen())

    async def save_everything(self) -> None:
        """Save unsaved notes on every live screen, and wait until they are stored."""
        from facilitator.screens.live import LiveScreen

        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen):
                await screen.save_now()

    def fail(self, error: UserError) -> None:
        """Exit with status 1; the command line then shows `error` as its one-line message."""
        self.error = error
        self.exit(return_code=1)

    async def action_quit(self) -> None:
        """Quit, saving notes first; a live session stays live and can be resumed."""
        await self.save_everything()
        self.exit()


def make_app(database: Database, first_screen: Callable[[], Screen[Any]]) -> FacilitatorApp:
    """Build the app around an opened database and the screen to show first."""
    return FacilitatorApp(database, first_screen)


def make_unlock_app(
    url: str, path: Path, first_screen: Callable[[Database], Screen[Any]]
) -> FacilitatorApp:
    """An app for an encrypted database: it asks the passphrase first, opens the database,
    then shows `first_screen(database)`."""
    from facilitator.screens.passphrase import PassphraseScreen

    return FacilitatorApp(None, lambda: PassphraseScreen(url, path, first_screen))


def make_live_app(
    database: Database,
    session_id: str,
    *,
    clock: Now | None = None,
    actor: str = "",
    checkin: CheckinOptions | None = None,
) -> FacilitatorApp:
    """An app that opens straight onto a live session (phone check-in served if `checkin`)."""
    from facilitator.screens.live import LiveScreen
    from facilitator.session.live import open_live

    live = open_live(database, session_id, clock=clock, actor=actor)
    return make_app(database, lambda: LiveScreen(live, checkin=checkin))
