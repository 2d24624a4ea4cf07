"""QR codes as plain data: a module matrix, half-block text for a terminal, inline SVG for paper.

Plain Python (no Textual). The live screen draws `half_block_lines(...)` with explicit
black-on-white styles (`Text(line, style="#000000 on #ffffff")`): dark modules are the
*foreground*, so the code reads the right way round on light and dark themes alike.
"""

from __future__ import annotations

import re

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathFillImage

BORDER = 4
"""Quiet zone, in modules, on every side (the QR standard's minimum)."""

UPPER = "▀"
LOWER = "▄"
FULL = "█"
EMPTY = " "

_CELLS = {
    (False, False): EMPTY,
    (True, False): UPPER,
    (False, True): LOWER,
    (True, True): FULL,
}


def _code(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    """A QR code for `data`: error correction M, smallest version that fits, 4-module border."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=BORDER,
        image_factory=SvgPathFillImage,
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR code of `data` as rows of modules (True = dark), quiet zone included."""
    return [[bool(module) for module in row] for row in _code(data).get_matrix()]


def half_block_lines(matrix: list[list[bool]]) -> list[str]:
    """Two module rows per text line, using ▀ ▄ █ and space.

    Draw the lines with foreground BLACK on background WHITE: a dark module is ink (the
    foreground), a light one is paper. An odd last row is paired with a light row.
    """
    lines: list[str] = []
    for top_index in range(0, len(matrix), 2):
        top = matrix[top_index]
        bottom = matrix[top_index + 1] if top_index + 1 < len(matrix) else [False] * len(top)
        lines.append("".join(_CELLS[(t, b)] for t, b in zip(top, bottom, strict=True)))
    return lines


def text(data: str) -> str:
    """The half-block rendering of `data`'s QR code as one string (lines joined by newlines)."""
    return "\n".join(half_block_lines(qr_matrix(data)))


_SIZE = re.compile(r'\s(width|height)="[^"]*"')
_ID = re.compile(r'\sid="[^"]*"')


def svg(data: str, *, size: str | None = None, label: str = "QR code") -> str:
    """`data`'s QR code as an inline `<svg>` element: black modules on a white square.

    No Pillow is needed. The element has no id (several can share a page) and, unless `size`
    (a CSS length such as `"30mm"`) is given, no width or height: size it with CSS.
    """
    markup = _code(data).make_image().to_string(encoding="unicode")
    markup = re.sub(r"^<\?xml[^>]*\?>\s*", "", markup)
    markup = _ID.sub("", markup)
    markup = _SIZE.sub("", markup, count=2)
    extra = f' role="img" aria-label="{_attr(label)}" shape-rendering="crispEdges"'
    if size is not None:
        extra += f' width="{_attr(size)}" height="{_attr(size)}"'
    return markup.replace("<svg", "<svg" + extra, 1)


def _attr(value: str) -> str:
    """Escape a value for a double-quoted XML attribute."""
    from html import escape

    return escape(value, quote=True)
