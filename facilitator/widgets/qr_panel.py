"""The phone check-in QR code, drawn black on white, with its URL as text beneath."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
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


class CheckinURL(Widget):
    """The check-in address on one line, whole: the words around it go first when space is short
    (a person must be able to read and type it)."""

    url: reactive[str | None] = reactive(None)
    """The check-in URL, or None while phone check-in is off."""

    off_reason: reactive[str] = reactive("Phone check-in is off: members check in with their code.")
    """What the line says while there is no URL."""

    def render(self) -> Text:
        """The longest wording that fits the line."""
        if self.url is None:
            return Text(self.off_reason, no_wrap=True, overflow="ellipsis")
        url = plain(self.url).plain
        width = self.content_region.width or self.size.width
        for before, after in (
            ("Phone check-in: ", "  (f: QR full screen)"),
            ("Phone check-in: ", "  (f: QR)"),
            ("Check-in: ", ""),
            ("", ""),
        ):
            if len(before) + len(url) + len(after) <= width:
                break
        return Text.assemble((before, "dim"), (url, "bold"), (after, "dim"), no_wrap=True)


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
        self.line: CheckinURL | None = None
        """The full-width address line beneath, kept in step with the panel."""

    def show_url(self, url: str) -> None:
        """Draw the QR of the check-in URL, and the URL as plain text."""
        self.url = url
        self._status.update("Scan to check in, then type your code")
        self._code.update(qr_text(url))
        self._code.display = True
        self._url.update("The address is beneath (f: full screen).")
        self.remove_class("-off")
        if self.line is not None:
            self.line.url = url

    def show_off(self, reason: str) -> None:
        """Phone check-in is not available; codes still work."""
        self.url = None
        self._status.update(plain(reason, lines=True))
        self._code.update("")
        self._code.display = False
        self._url.update("Members can still check in with their code (c).")
        self.add_class("-off")
        if self.line is not None:
            self.line.url = None
            self.line.off_reason = f"{reason} Members check in with their code (c)."
