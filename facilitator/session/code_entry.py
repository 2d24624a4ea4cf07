"""What the live screen's code box reads: a personal code, then the check-in scales if any.

`AVQ1 c7 m4` checks Avery in and records craving 7 and mood 4 (for a member without a phone, in
a group that asks the scales). Words after the code of the form `c` or `m` followed by a number
are the scales; the code itself keeps its own spaces and dashes (`ab-12 cd`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from facilitator.errors import UserError
from facilitator.session.scales import check_value

SCALE_WORD = re.compile(r"^([cm])(\d+)$", re.IGNORECASE)
"""`c7` (craving 7) or `m4` (mood 4)."""

LETTERS = {"c": "craving", "m": "mood"}

SYNTAX = "CODE c7 m4 (c: craving, m: mood, 0-10)"
"""How the box takes the scales, for messages and the help."""


@dataclass(frozen=True)
class CodeEntry:
    """A code typed at the laptop, and the scales typed after it."""

    code: str
    scales: dict[str, int | None] = field(default_factory=dict)


def read_code_entry(text: str) -> CodeEntry:
    """Split what was typed into the code and its scales; UserError naming a bad scale word
    (out of range, given twice) or a missing code, so nothing is checked in."""
    words = text.split()
    scales: dict[str, int | None] = {}
    while words and (found := SCALE_WORD.match(words[-1])):
        scale = LETTERS[found.group(1).lower()]
        if scale in scales:
            raise UserError(f"check-in box: {scale} is given twice (type {SYNTAX})")
        try:
            scales[scale] = check_value(scale, found.group(2))
        except UserError as exc:
            raise UserError(f"check-in box: {exc} (type {SYNTAX})") from None
        words.pop()
    if not words:
        raise UserError(f"check-in box: type the member's code before the scales ({SYNTAX})")
    return CodeEntry(" ".join(words), dict(reversed(scales.items())))
