"""The first screen for an encrypted database: its passphrase, then the screen asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Input, Label

from facilitator.errors import UserError
from facilitator.screens.one_input import OneInputScreen
from facilitator.store.crypto import Passphrase, WrongPassphrase
from facilitator.store.database import Database, open_database
from facilitator.widgets.plain import plain

TRIES = 3


class PassphraseScreen(OneInputScreen):
    """Asks the passphrase of the encrypted database at `path` (hidden input, `enter` opens it,
    three tries, `escape` quits), opens it off the UI thread, then switches to `then(database)`.

    The passphrase goes from the input straight into the database's engine: the input is
    cleared at once, and the passphrase is never shown, logged or stored.
    """

    CSS_PATH = "passphrase.tcss"
    INPUT_ID = "passphrase"
    MESSAGE_ID = "passphrase-message"
    BINDINGS = [Binding("escape", "give_up", "Quit", id="passphrase.quit")]

    tries_left: var[int] = var(TRIES)
    """Passphrases that may still be tried before facilitator gives up."""

    @dataclass
    class Opened(Message):
        """The database opened with the passphrase given."""

        database: Database

    @dataclass
    class Refused(Message):
        """The database did not open: a wrong passphrase, or a problem no retry fixes."""

        error: UserError
        wrong_passphrase: bool

    def __init__(self, url: str, path: Path, then: Callable[[Database], Screen[Any]]) -> None:
        super().__init__()
        self.url = url
        self.path = path
        self.then = then

    def compose_prompt(self) -> ComposeResult:
        yield Label("This database is encrypted.", id="question")
        yield Label(Text.assemble("Passphrase for ", plain(self.path), ":"), id="passphrase-file")
        yield Input(password=True, id=self.INPUT_ID, placeholder="passphrase")

    @on(Input.Submitted, "#passphrase")
    def _submitted(self, event: Input.Submitted) -> None:
        passphrase = Passphrase(event.value)  # never a bare string in a frame's locals
        self.input.clear()
        if not passphrase.reveal():
            self._say("Type the passphrase, then press enter.")
            return
        self.answer("Opening…", lambda: self._open(passphrase))

    def _open(self, passphrase: Passphrase) -> Opened | Refused:
        """Derive the key and open the database (a fraction of a second, on purpose; in the
        answering thread)."""
        try:
            database = open_database(self.url, passphrase)
        except WrongPassphrase as exc:
            return self.Refused(exc, wrong_passphrase=True)
        except UserError as exc:
            return self.Refused(exc, wrong_passphrase=False)
        except Exception as exc:  # never a traceback, whose locals could show the passphrase
            error = UserError(f"cannot open the database {self.path}: {type(exc).__name__}")
            return self.Refused(error, wrong_passphrase=False)
        return self.Opened(database)

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        app = self.facilitator
        screen = self.next_screen(lambda: self.then(message.database))
        if screen is None:
            return
        app.database = message.database
        app.switch_screen(screen)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        if not message.wrong_passphrase:
            self.facilitator.fail(message.error)
            return
        self.tries_left -= 1
        if self.tries_left <= 0:
            self.facilitator.fail(
                UserError(f"{message.error}; gave up after {TRIES} tries, nothing was opened")
            )
            return
        left = f"{self.tries_left} tries left" if self.tries_left > 1 else "1 try left"
        self.retry(f"{message.error} — try again ({left}).")

    def action_give_up(self) -> None:
        """Quit without opening the database."""
        self.facilitator.fail(UserError(f"the encrypted database {self.path} was not opened"))
