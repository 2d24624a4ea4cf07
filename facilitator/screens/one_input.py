"""A first screen that asks one thing in a centred box: a question, one input, a message line.

The name screen and the passphrase screen are built on it: `enter` in the input submits it,
`escape` gives up, and once the answer is taken the screen switches to the one asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label

from facilitator.errors import UserError
from facilitator.widgets.footer import Footer
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from facilitator.app import FacilitatorApp


class OneInputScreen(Screen[None]):
    """The box: `compose_prompt` yields the question and the input `#INPUT_ID`; below them the
    message line `#MESSAGE_ID` says what is happening or what was wrong."""

    INPUT_ID: ClassVar[str]
    """The id of the one input."""
    MESSAGE_ID: ClassVar[str]
    """The id of the message line under it."""

    input: Input
    message_label: Label

    @property
    def facilitator(self) -> FacilitatorApp:
        """The app, with its `fail`, `database` and `keyboard_user`."""
        return cast("FacilitatorApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield from self.compose_prompt()
            yield Label("", id=self.MESSAGE_ID)
        yield Footer()

    def compose_prompt(self) -> ComposeResult:
        """The question's labels and the input."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.input = self.query_one(f"#{self.INPUT_ID}", Input)
        self.message_label = self.query_one(f"#{self.MESSAGE_ID}", Label)
        self.input.focus()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message_label.update(plain(text, lines=True))
        self.message_label.set_class(error, "error")

    def answer(self, status: str, job: Callable[[], Message]) -> None:
        """Use the answer: the input is closed, `status` says what happens, and `job` runs in a
        thread, returning the message to post (what came of it)."""
        self.input.disabled = True
        self._say(status)
        self._answer(job)

    @work(thread=True, exclusive=True, group="one-input")
    def _answer(self, job: Callable[[], Message]) -> None:
        self.post_message(job())

    def retry(self, text: str) -> None:
        """The answer was refused: `text` says why, and the input is open again."""
        self._say(text, error=True)
        self.input.disabled = False
        self.input.focus()

    def next_screen(self, then: Callable[[], Screen[Any]]) -> Screen[Any] | None:
        """The screen to go on to, or None when making it failed (the app then says why)."""
        try:
            return then()
        except UserError as exc:  # e.g. `run` names a group that does not exist
            self.facilitator.fail(exc)
            return None
