"""Small modal dialogs: confirm with `y`, ask for a line of text."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from facilitator.widgets.plain import plain


class ConfirmScreen(ModalScreen[bool]):
    """Ask before anything irreversible; `y` confirms, `n` or `escape` cancels."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes (y)") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(self.question, lines=True), id="question")
            detail = Static(plain(self.detail, lines=True), id="detail")
            detail.display = bool(self.detail)
            yield detail
            with Horizontal(id="buttons"):
                yield Button(self.yes, variant="error", id="yes")
                yield Button("No (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def show_detail(self, detail: str | None) -> None:
        """Show the detail once it is known (e.g. after the saves it depends on)."""
        if self.is_attached and detail:
            self.detail = detail
            box = self.query_one("#detail", Static)
            box.update(plain(detail, lines=True))
            box.display = True

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Close with the answer."""
        self.dismiss(answer)


class AskScreen(ModalScreen[str | None]):
    """Ask for one line of text (e.g. a walk-in's name); `escape` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, question: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(self.question, lines=True), id="question")
            yield Input(
                value=self.value, placeholder=self.placeholder, id="answer", max_length=2000
            )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
