"""A modal form: labelled fields, `enter` saves, `escape` cancels, one clear message if refused.

The form checks what it can itself (a number that is not a number), then saves through the core
off the event loop. A value the core refuses is shown as one message naming the field, the field
is focused, and nothing is saved; the form stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from facilitator.errors import UserError
from facilitator.screens.work_queue import WorkQueue
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from sqlmodel import Session
    from textual.app import App

ResultType = TypeVar("ResultType")

HINT = "enter saves · escape cancels · tab: next field · space opens a list"


class FieldError(UserError):
    """A value the form refused before saving: the message and the field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def actor_of(app: App[Any], db: Session) -> str:
    """Who is making a change here: the app's person at the keyboard, else the known name."""
    from facilitator.program.staff import actor

    return getattr(app, "keyboard_user", "") or actor(db)


def number(text: str, label: str, field: str, *, whole: bool = False) -> float | int | None:
    """The number typed in a field (None when left empty), or a FieldError naming the field."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise FieldError(field, f"{label}: {text!r} is not {kind}") from None


class FormScreen(ModalScreen[ResultType]):
    """A form of `Input` and `Select` fields; subclasses say what saving does."""

    CSS_PATH = "setup.tcss"
    BINDINGS = [
        Binding("enter", "save", "Save", priority=True, id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]
    FIELD_LABELS: dict[str, str] = {}
    """Each field's id and the label that names it in messages."""

    def __init__(self, database: Database, title: str) -> None:
        super().__init__()
        self.database = database
        self.title_text = title
        self.work = WorkQueue(self, "form-save")
        """The save, off the event loop."""
        self._saving = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label(plain(self.title_text), id="form-title")
            yield from self.compose_fields()
            error = Static("", id="form-error")
            error.display = False
            yield error
            yield Label(HINT, id="form-hint")
        yield Footer()

    def compose_fields(self) -> ComposeResult:
        """The labelled fields, each with an id in `FIELD_LABELS`."""
        raise NotImplementedError

    def field(self, label: str, widget: Input | Select[str]) -> ComposeResult:
        """One field on one line: its label, then the widget (compact, so a form fits 80x24)."""
        widget.compact = True
        with Horizontal(classes="form-row"):
            yield Label(label, classes="form-label")
            yield widget

    def text(self, field: str) -> str:
        """What is in the field `field` (an Input's text or a Select's value)."""
        widget = self.query_one(f"#{field}")
        if isinstance(widget, Select):
            value = widget.value
            return "" if value is Select.NULL else str(value)
        assert isinstance(widget, Input)
        return widget.value

    def prepare(self) -> Callable[[], ResultType]:
        """Check the fields and return the save to run off the event loop (FieldError if bad)."""
        raise NotImplementedError

    def explain(self, message: str) -> tuple[str | None, str]:
        """The field a refusal of the core is about, and the message as the form shows it."""
        return None, message

    def action_save(self) -> None:
        """Save (a list that is open takes `enter` itself, to choose an option).

        In a text field the field takes `enter` itself and submits after every key typed before
        it (a fast typist or a scanner): reading it here, ahead of those keys, would lose them.
        """
        focused = self.focused
        if isinstance(focused, Input):
            raise SkipAction()
        if focused is not None:
            for node in focused.ancestors_with_self:
                if isinstance(node, Select) and node.expanded:
                    raise SkipAction()
        self._save()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def _save(self) -> None:
        """Check the fields and queue the save (once at a time)."""
        if self._saving:
            return
        try:
            save = self.prepare()
        except FieldError as exc:
            self.show_error(exc.field, str(exc))
            return
        self._saving = True
        self.work.submit(save, self._saved)

    def _saved(self, result: ResultType | None) -> None:
        self._saving = False
        if result is not None:
            self.dismiss(result)

    @on(WorkQueue.Done)
    async def _done(self, event: WorkQueue.Done) -> None:
        if event.error is not None:
            field, message = self.explain(event.error)
            self.show_error(field, message)
        await event.settle()

    def show_error(self, field: str | None, message: str) -> None:
        """Show why nothing was saved, and put the cursor in the field it is about."""
        box = self.query_one("#form-error", Static)
        box.update(plain(message, lines=True))
        box.display = True
        if field is not None:
            widget = self.query_one(f"#{field}")
            widget.focus()
            if isinstance(widget, Input):
                widget.select_all()  # typing replaces the refused value

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
