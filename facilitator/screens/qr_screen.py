"""The check-in QR full screen, as large as the terminal allows, for the room to scan."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from facilitator.widgets.plain import plain
from facilitator.widgets.qr_panel import qr_text


class QRScreen(ModalScreen[None]):
    """The QR big; any of `escape`, `f` or `q` closes it."""

    BINDINGS = [Binding("escape,f,q", "close", "Close", id="qr.close")]

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(id="qr-box"):
            yield Static(id="qr-big")
            url = plain(self.url)
            url.no_wrap = True  # on one line, whole: a person must be able to type it
            yield Label(url, id="qr-big-url")

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        big = qr_text(self.url, scale=2, border=2)
        lines = big.plain.splitlines()
        fits = len(lines) + 2 <= self.size.height and len(lines[0]) <= self.size.width
        self.query_one("#qr-big", Static).update(big if fits else qr_text(self.url))

    def action_close(self) -> None:
        """Back to the live screen."""
        self.dismiss(None)
