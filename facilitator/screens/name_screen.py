"""The first screen while nobody's name is known: who is at this keyboard (asked once).

The name, with credentials, is saved in the database; from then on it is the default facilitator
of a session started here and the actor of every audit event made here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label

from facilitator.errors import UserError
from facilitator.screens.one_input import OneInputScreen
from facilitator.store.database import Database

QUESTION = "Your name and credentials, e.g. Sam Rivera, LCSW"
WHY = (
    "It is saved in this database: the facilitator of the sessions you start here, and who did "
    "what in the audit trail. Asked once. Type it, then press enter."
)


class NameScreen(OneInputScreen):
    """Asks the name of the person at the keyboard (`enter` in the box saves it, `escape` quits),
    then switches to `then()`."""

    CSS_PATH = "name_screen.tcss"
    INPUT_ID = "keyboard-user"
    MESSAGE_ID = "name-message"
    BINDINGS = [Binding("escape", "give_up", "Quit", id="name.quit")]

    @dataclass
    class Saved(Message):
        """The name was saved (posted from the saving thread)."""

        name: str

    @dataclass
    class Refused(Message):
        """The name could not be saved."""

        error: UserError

    def __init__(self, database: Database, then: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.database = database
        self.then = then

    def compose_prompt(self) -> ComposeResult:
        from facilitator.program.staff import MAX_NAME

        yield Label(QUESTION, id="question")
        yield Label(WHY, id="name-why")
        yield Input(id=self.INPUT_ID, placeholder="First Last, credentials", max_length=MAX_NAME)

    @on(Input.Submitted, "#keyboard-user")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Save the name typed (an empty one is refused, and said so)."""
        from facilitator.program.staff import clean_user

        if self.input.disabled:
            return
        try:
            name = clean_user(self.input.value)
        except UserError as exc:
            self._say(f"{exc} — type it, then press enter.", error=True)
            return
        self.answer("Saving…", lambda: self._save(name))

    def _save(self, name: str) -> Saved | Refused:
        """Save the name (in the answering thread)."""
        from facilitator.program.staff import save_user

        try:
            with self.database.session() as db:
                saved = save_user(db, name)
        except UserError as exc:
            return self.Refused(exc)
        return self.Saved(saved)

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        app = self.facilitator
        app.keyboard_user = message.name
        screen = self.next_screen(self.then)  # e.g. `run` names a group that has no curriculum
        if screen is not None:
            app.switch_screen(screen)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.retry(str(message.error))

    def action_give_up(self) -> None:
        """Quit without a name: nothing is started."""
        self.facilitator.fail(
            UserError(
                "no name given: facilitator needs the name of the person at the keyboard "
                "(or set FACILITATOR_USER); nothing was started"
            )
        )
