"""Printable check-in cards: first name, personal code and the code's QR, one card per member.

A card must not reveal that its bearer is in treatment (42 CFR Part 2 §2.18): nothing on the
sheet names the program, the clinic or the group, not even the page title. The QR payload is
exactly the code, so a keyboard-wedge scanner "types" it into the check-in box.
Plain Python (no Textual); the page (templates/cards.html) is self-contained: no external
assets, no scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.common.files import atomic_output
from facilitator.common.qr import svg
from facilitator.common.templates import environment
from facilitator.errors import UserError

if TYPE_CHECKING:
    from facilitator.store.database import Database

TITLE = "Check-in cards"


@dataclass(frozen=True)
class Card:
    """What one card shows: a first name and a personal code."""

    first_name: str
    code: str


def group_code(code: str) -> str:
    """The code in groups of 3-4 for reading aloud (`ACDEFG` → `ACD-EFG`); dashes are ignored."""
    if len(code) <= 5:
        return code
    count = -(-len(code) // 4)  # as few groups as possible, none longer than 4
    base, longer = divmod(len(code), count)
    parts: list[str] = []
    start = 0
    for index in range(count):
        size = base + (1 if index < longer else 0)
        parts.append(code[start : start + size])
        start += size
    return "-".join(parts)


def _code_size(grouped: str) -> float:
    """The font size (pt) that keeps a grouped code within its ~40 mm column."""
    # Monospace glyphs are ~0.6 em wide.
    return min(19.0, round(40 * 2.835 / (0.6 * len(grouped)), 1))


def _qr_svg(code: str) -> str:
    """The code's QR as an inline SVG element."""
    return svg(code, label="QR code of the personal code")


_ENV = environment("facilitator.program")
"""The card sheet's template, loaded once; autoescaping is on."""
_ENV.filters.update(group_code=group_code, code_size=_code_size, qr_svg=_qr_svg)


def render_cards(cards: list[Card]) -> str:
    """The whole printable HTML page for `cards` (A4 and Letter alike)."""
    return _ENV.get_template("cards.html").render(title=TITLE, cards=cards)


def group_cards(database: Database, group_name: str) -> list[Card]:
    """A card for each current member of the group, by name (UserError if none or no group)."""
    from facilitator.program.groups import get_group
    from facilitator.program.roster import members

    with database.session() as db:
        group = get_group(db, group_name)
        found = members(db, group)
        cards = [Card(m.participant.first_name, m.participant.code) for m in found]
    if not cards:
        raise UserError(
            f"{group.name} has no members: add some first (facilitator roster import ...)"
        )
    return cards


def write_badges(database: Database, group_name: str, out: Path, *, force: bool = False) -> int:
    """Write the group's check-in card sheet to `out` (0600, never replaced unless `force`).

    Returns the number of cards. Either the whole file appears or nothing does; every failure
    is a UserError naming the path.
    """
    cards = group_cards(database, group_name)
    page = render_cards(cards)
    with atomic_output(out, newline="\n", replace=force) as stream:
        stream.write(page)
    return len(cards)
