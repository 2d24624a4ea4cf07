"""Printable check-in cards: first name, personal code and the code's QR, one card per member.

A card must not reveal that its bearer is in treatment (42 CFR Part 2 §2.18): nothing on the
sheet names the program, the clinic or the group, not even the page title. The QR payload is
exactly the code, so a keyboard-wedge scanner "types" it into the check-in box.
Plain Python (no Textual); the page is self-contained (no external assets, no scripts).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.common.qr import svg
from facilitator.errors import UserError

if TYPE_CHECKING:
    from facilitator.store.db import Database

TITLE = "Check-in cards"

_STYLE = """
@page { size: auto; margin: 10mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #000; background: #fff; }
.sheet { display: grid; grid-template-columns: repeat(auto-fill, 85mm); gap: 4mm;
         justify-content: center; padding: 4mm 0; }
.card { width: 85mm; height: 54mm; border: 0.3mm dashed #888; border-radius: 3mm;
        padding: 4mm; display: grid; grid-template-columns: 1fr 34mm; column-gap: 3mm;
        align-items: center; break-inside: avoid; page-break-inside: avoid; overflow: hidden; }
.name { font-size: 16pt; font-weight: 600; margin: 0 0 3mm; overflow-wrap: anywhere; }
.label { font-size: 7pt; text-transform: uppercase; letter-spacing: 0.08em; color: #333;
         margin: 0; }
.code { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Courier New", monospace;
        font-size: 19pt; font-weight: 700; letter-spacing: 0.06em; margin: 0.5mm 0 0;
        white-space: nowrap; }
.qr { width: 34mm; height: 34mm; display: block; }
.qr svg { width: 34mm; height: 34mm; display: block; }
@media screen { body { background: #eee; } .card { background: #fff; } }
""".strip()


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


def render_cards(cards: list[Card]) -> str:
    """The whole printable HTML page for `cards` (A4 and Letter alike)."""
    rendered = "\n".join(_card(card) for card in cards)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{TITLE}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n"
        f'<body>\n<main class="sheet">\n{rendered}\n</main>\n</body>\n</html>\n'
    )


def _card(card: Card) -> str:
    name = escape(card.first_name)
    grouped = group_code(card.code)
    # Monospace glyphs are ~0.6 em wide; keep the code within its ~40 mm column.
    size = min(19.0, round(40 * 2.835 / (0.6 * len(grouped)), 1))
    return (
        '<section class="card">\n'
        f'<div><p class="name">{name}</p><p class="label">Personal code</p>'
        f'<p class="code" style="font-size: {size}pt">{escape(grouped)}</p></div>\n'
        f'<div class="qr">{svg(card.code, label="QR code of the personal code")}</div>\n'
        "</section>"
    )


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


def write_private(path: Path, text: str, *, force: bool = False) -> None:
    """Write `text` to `path` atomically, readable by the owner only (0600).

    Without `force`, an existing file is never replaced. Either the whole file appears or
    nothing does; every failure is a UserError naming the path.
    """
    path = path.expanduser()
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give a file name such as cards.html")
    if not force and path.exists():
        raise UserError(f"{path}: already exists (use --force to replace it)")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{path}: cannot write: the folder {folder} does not exist")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        if force:
            os.replace(temp, path)
        else:
            _link_new(temp, path)
    except UserError:
        raise
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _link_new(temp: Path, path: Path) -> None:
    """Put `temp` at `path` only if nothing is there (no race with another writer)."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise UserError(f"{path}: already exists (use --force to replace it)") from None
    except OSError:
        # A file system without hard links: check, then replace (a tiny race, still atomic).
        if path.exists():
            raise UserError(f"{path}: already exists (use --force to replace it)") from None
        os.replace(temp, path)


def write_badges(database: Database, group_name: str, out: Path, *, force: bool = False) -> int:
    """Write the group's check-in card sheet to `out`; returns the number of cards."""
    cards = group_cards(database, group_name)
    write_private(out, render_cards(cards), force=force)
    return len(cards)
