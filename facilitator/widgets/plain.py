"""User text on screen: the one way a name, note or curriculum text becomes something to show.

Anything that came from a person or a file (names, topics, notes, prompts, reasons) is shown as
literal `Text`: never parsed as markup, so `[b]` stays `[b]`, and with terminal escapes and
control characters removed, so `\\x1b[2J` cannot clear a projected screen.
"""

from __future__ import annotations

from rich.text import Text

from facilitator.common.text import multi_line, one_line


def plain(value: object, style: str = "", *, lines: bool = False) -> Text:
    """`value` as literal text in `style`; `lines` keeps line breaks (notes, prompts)."""
    raw = "" if value is None else str(value)
    return Text(multi_line(raw) if lines else one_line(raw), style=style)
