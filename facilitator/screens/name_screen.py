"""The first screen while nobody's name is known: who is at this keyboard (asked once).

The name, with credentials, is saved in the database; from then on it is the default facilitator
of a session started here and the actor of every audit event made here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Label

from facilitator.errors import UserError
from facilitator.store.database import Database
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from facilitator.app import FacilitatorApp

QUESTION = "Your name and credentials, e.g. Sam Rivera, LCSW"
WHY = (
    "It is saved in this database: the facilitator of the sessions you start here, and who did "
    "what in the audit trail. Asked once. Type it, then press enter."
)


class NameScreen(Screen[None]):
    """Asks the name of the person at the keyboard (`enter` in the box saves it, `escape` quits),
    then switches to `then()`."""

    CSS_PATH = "name_screen.tcss"
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

    @property
    def facilitator(self) -> FacilitatorApp:
        """The app, with its `keyboard_user` and `fail`."""
        return cast("FacilitatorApp", self.app)

    def compose(self) -> ComposeResult:
        from facilitator.program.staff import MAX_NAME

        with Vertical(id="dialog"):
            yield Label(QUESTION, id="question")
            yield Label(WHY, id="name-why")
            yield Input(
                id="keyboard-user", placeholder="First Last, credentials", max_length=MAX_NAME
            )
            yield Label("", id="name-message")
        yield Footer()

    def on_mount(self) -> None:
        self.input = self.query_one("#keyboard-user", Input)
        self.message_label = self.query_one("#name-message", Label)
        self.input.focus()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message_label.update(plain(text, lines=True))
        self.message_label.set_class(error, "error")

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
        self.input.disabled = True
        self._say("Saving…")
        self._save(name)

    @work(thread=True, exclusive=True, group="keyboard-user")
    def _save(self, name: str) -> None:
        from facilitator.program.staff import save_user

        try:
            with self.database.session() as db:
                saved = save_user(db, name)
        except UserError as exc:
            self.post_message(self.Refused(exc))
        else:
            self.post_message(self.Saved(saved))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        app = self.facilitator
        app.keyboard_user = message.name
        try:
            screen = self.then()
        except UserError as exc:  # e.g. `run` names a group that has no curriculum
            app.fail(exc)
            return
        app.switch_screen(screen)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._say(str(message.error), error=True)
        self.input.disabled = False
        self.input.focus()

    def action_give_up(self) -> None:
        """Quit without a name: nothing is started."""
        self.facilitator.fail(
            UserError(
                "no name given: facilitator needs the name of the person at the keyboard "
                "(or set FACILITATOR_USER); nothing was started"
            )
        )
