"""Small modal dialogs: confirm with `y`, ask for a line of text, pick one of several options."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from facilitator.widgets.plain import plain

ResultType = TypeVar("ResultType")


class QuestionScreen(ModalScreen[ResultType]):
    """A dialog: the question, and beneath it what the answer is given with."""

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(self.question, lines=True), id="question")
            yield from self.compose_answer()

    def compose_answer(self) -> ComposeResult:
        """The widgets beneath the question."""
        raise NotImplementedError


class ConfirmScreen(QuestionScreen[bool]):
    """Ask before anything irreversible; `y` confirms, `n` or `escape` cancels."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes (y)") -> None:
        super().__init__(question)
        self.detail = detail
        self.yes = yes

    def compose_answer(self) -> ComposeResult:
        """The detail, then the two buttons."""
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


class AskScreen(QuestionScreen[str | None]):
    """Ask for one line of text (e.g. a walk-in's name); `escape` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, question: str, placeholder: str = "", value: str = "") -> None:
        super().__init__(question)
        self.placeholder = placeholder
        self.value = value

    def compose_answer(self) -> ComposeResult:
        """The box to type the answer in."""
        yield Input(value=self.value, placeholder=self.placeholder, id="answer", max_length=2000)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class ChooseScreen(QuestionScreen[str | None]):
    """Pick one of several options (e.g. a curriculum); `escape` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, question: str, options: list[tuple[str, str]]) -> None:
        super().__init__(question)
        self.options = options

    def compose_answer(self) -> ComposeResult:
        """The options, as (value, label) pairs."""
        yield OptionList(*[Option(plain(label), id=value) for value, label in self.options])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)
