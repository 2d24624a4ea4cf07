"""Text from users and files made safe for a terminal: no escape sequences, no control characters.

Names, titles and notes reach a terminal and a projected screen; `\\x1b[2J` must not clear it and
`\\x1b]0;...` must not retitle it. Markup is a separate matter: widgets show user text as plain
`Text`/`Content`, never parsed as markup.
"""

from __future__ import annotations

import re
import unicodedata

ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
"""CSI, OSC/DCS/PM/APC strings and two-character escapes (7- and 8-bit forms)."""


def one_line(raw: str) -> str:
    """A single line: escapes removed, control characters as spaces, spaces collapsed (NFC)."""
    text = ESCAPES.sub("", unicodedata.normalize("NFC", raw))
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())


def multi_line(raw: str) -> str:
    """Like `one_line` for each line, keeping line breaks and tabs (notes, prompts)."""
    text = ESCAPES.sub("", unicodedata.normalize("NFC", raw)).replace("\r\n", "\n")
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)


def has_controls(text: str, *, newlines: bool = False) -> bool:
    """True if `text` holds an escape or control character (line breaks allowed if `newlines`)."""
    allowed = "\n\t" if newlines else ""
    return any(not ch.isprintable() and ch not in allowed for ch in text)


def shorten(text: str, limit: int = 60) -> str:
    """At most `limit` characters, with `…` when cut (for error messages that quote input)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cell beginnings a spreadsheet may take for a formula."""


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: a leading `'` before a formula-like start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
