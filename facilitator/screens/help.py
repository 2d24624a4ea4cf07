"""The help screen (`?`): every key of the screen it was opened from, and the app's own
(`ctrl+q`), each with what it does in full — scrolling when the terminal is small."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label

PALETTE = ("ctrl+p", "Command palette: every action by name")
CHROME = 8
"""Rows of the dialog around its table (border, padding, title, hint)."""
HEIGHT = 0.9
"""The dialog's largest share of the terminal's height (as in the stylesheet)."""


def key_rows(screen: Screen[Any], app_bindings: list[Binding]) -> list[tuple[str, str]]:
    """(keys, what they do) for the product's own bindings of `screen`, then the app's; keys
    bound to the same action share a row (`q / ctrl+q`). Textual's internal bindings that do
    not apply (focus cycling, copy) are left out: only bindings with an id are the product's."""
    rows: dict[str, tuple[list[str], str]] = {}
    screen_bindings = [binding for _key, binding in screen._bindings]
    for binding in [*screen_bindings, *app_bindings]:
        if binding.id is None or not binding.description:
            continue
        action = binding.action.removeprefix("app.")
        keys, what = rows.setdefault(action, ([], binding.tooltip or binding.description))
        shown = binding.key_display or binding.key.replace("_", " ")
        if shown not in keys:
            keys.append(shown)
    return [(" / ".join(keys), what) for keys, what in rows.values()] + [PALETTE]


class HelpScreen(ModalScreen[None]):
    """Lists the keys of `screen`; `escape`, `?` or `q` closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, screen: Screen[Any], title: str = "Keys") -> None:
        super().__init__()
        self.for_screen = screen
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="question")
            yield DataTable(id="keys", cursor_type="none", zebra_stripes=True)
            yield Label("escape closes; ↑/↓ scroll.", id="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        app_bindings = [binding for _key, binding in self.app._bindings]
        for keys, what in key_rows(self.for_screen, app_bindings):
            table.add_row(keys, what)
        table.focus()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """As tall as its rows, or as the terminal allows (then it scrolls)."""
        table = self.query_one(DataTable)
        room = int(self.size.height * HEIGHT) - CHROME
        table.styles.height = max(3, min(table.row_count + 1, room))

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(None)
