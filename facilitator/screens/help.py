"""The help screen (`?`): every key of the screen it was opened from, as the footer knows them."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    """Lists the keys of `screen`; `escape`, `?` or `q` closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, screen: Screen[Any], title: str = "Keys") -> None:
        super().__init__()
        self.for_screen = screen
        self.title_text = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Label(self.title_text, id="question")
            yield DataTable(id="keys", cursor_type="none", zebra_stripes=True)
            yield Label("Press escape to close. Ctrl+P opens the command palette.", id="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        seen: set[str] = set()
        for _key, binding in self.for_screen._bindings:
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = binding.key_display or self.app.get_key_display(binding)
            table.add_row(shown, binding.description)

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(None)
