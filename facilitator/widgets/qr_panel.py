"""The phone check-in QR code, drawn black on white, with its URL as text beneath."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from facilitator.common.qr import BORDER, half_block_lines, qr_matrix
from facilitator.widgets.plain import plain

INK = "#000000 on #ffffff"  # explicit, so the code is never inverted on a dark theme


def qr_text(url: str, *, scale: int = 1, border: int = BORDER) -> Text:
    """The QR code of `url`: half blocks (scale 1) or two full-width cells per module (scale 2)."""
    matrix = qr_matrix(url)
    trim = BORDER - border
    if trim > 0:
        matrix = [row[trim:-trim] for row in matrix[trim:-trim]]
    if scale == 1:
        lines = half_block_lines(matrix)
    else:
        lines = ["".join("██" if dark else "  " for dark in row) for row in matrix]
    return Text("\n".join(lines), style=INK, no_wrap=True, overflow="crop")


class QRPanel(Vertical):
    """Shows the check-in QR and URL while the server runs, or why phone check-in is off."""

    def compose(self) -> ComposeResult:
        yield Label("Phone check-in: starting…", id="qr-status")
        yield Static("", id="qr-code")
        yield Label("", id="qr-url")

    def on_mount(self) -> None:
        self._status = self.query_one("#qr-status", Label)
        self._code = self.query_one("#qr-code", Static)
        self._url = self.query_one("#qr-url", Label)
        self.url: str | None = None

    def show_url(self, url: str) -> None:
        """Draw the QR of the check-in URL, and the URL as plain text."""
        self.url = url
        self._status.update("Scan to check in, then type your code")
        self._code.update(qr_text(url))
        self._code.display = True
        self._url.update(plain(url))
        self.remove_class("-off")

    def show_off(self, reason: str) -> None:
        """Phone check-in is not available; codes still work."""
        self.url = None
        self._status.update(plain(reason, lines=True))
        self._code.update("")
        self._code.display = False
        self._url.update("Members can still check in with their code (c).")
        self.add_class("-off")
