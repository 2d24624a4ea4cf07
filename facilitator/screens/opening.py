"""The first frame of `run`: the group's name and the live screen's keys, from the command line.

It is drawn before the database opens. The database, the session and the live screen's code load
in a thread meanwhile; then the screen that follows replaces this one (the live screen, or the
one that asks a passphrase or who is at the keyboard). The keys show in the footer, dimmed, until
the session is there to act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label

from facilitator.errors import UserError
from facilitator.screens.live_keys import LIVE_KEYS
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from facilitator.app import FacilitatorApp

OPENING = "Opening the session…"
"""What the frame says while the session loads."""

NextScreen = Callable[[], Screen[Any]]
"""Makes the screen that follows (called on the app's thread)."""


class OpeningScreen(Screen[None]):
    """The live screen's frame (title bar and footer) while the session loads."""

    BINDINGS = LIVE_KEYS
    DEFAULT_CSS = """
    #opening-keys {
        dock: bottom;
        width: 100%;
        height: 1;
        background: $footer-background;
        color: $text-disabled;
    }
    """

    @dataclass
    class Loaded(Message):
        """The load is done: `next_screen()` makes the screen that follows."""

        next_screen: NextScreen

    @dataclass
    class Refused(Message):
        """The load met a problem the user must see to (the app ends with it)."""

        error: UserError

    def __init__(self, group: str, load: Callable[[], NextScreen]) -> None:
        super().__init__()
        self.group = group
        """The group's name as given on the command line."""
        self._load = load

    def compose(self) -> ComposeResult:
        yield Label(
            Text.assemble(plain(self.group, "bold"), "  ·  ", (OPENING, "dim")), id="title-bar"
        )
        yield Label(self._keys(), id="opening-keys")

    def _keys(self) -> Text:
        """The live screen's keys and the app's as the footer shows them (`n Next ^q Quit`),
        dimmed: one line of text, drawn in the first frame (Textual's footer builds a widget a
        key, then fills them in a refresh later)."""
        shown = [b for b in [*LIVE_KEYS, *type(self.app).BINDINGS] if isinstance(b, Binding)]
        shown.sort(key=lambda b: b.key != "tab")  # the roster's own key comes first there
        return Text(" ", no_wrap=True, overflow="crop").join(
            Text.assemble((self.app.get_key_display(b), "bold"), " ", b.description)
            for b in shown
            if b.show
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Shown (dimmed) but not yet live: there is no session to act on until it has loaded.
        return None

    def on_mount(self) -> None:
        # After the frame is on the terminal: the thread's imports would hold the GIL against it.
        self.call_after_refresh(self._open)

    @work(thread=True, exclusive=True, group="opening")
    def _open(self) -> None:
        """Open the database and the session off the event loop."""
        try:
            next_screen = self._load()
        except UserError as exc:
            self.post_message(self.Refused(exc))
            return
        self.post_message(self.Loaded(next_screen))

    @property
    def facilitator(self) -> FacilitatorApp:
        """The app, with its `fail`."""
        return cast("FacilitatorApp", self.app)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        try:
            screen = message.next_screen()
        except UserError as exc:
            self.facilitator.fail(exc)
            return
        self.app.switch_screen(screen)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.facilitator.fail(message.error)
