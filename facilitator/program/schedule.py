"""When a group meets: the `--meets` spec (CONTRACT section 8), read, written back and asked.

A spec is one or more blocks separated by `;`, each weekdays and a local start-end:
`"mon,wed,fri 18:00-21:00"` or `"mon,wed 09:00-12:00; thu 13:00-16:00"`. Days are the English
names or their first three letters, in any case; `mon-fri` names a run of days. `none` (or an
empty spec) means the group has no schedule. Times are the group's local wall-clock times.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from facilitator.errors import UserError

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as `date.weekday()` numbers them."""

_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
NONE_WORDS = frozenset({"", "none", "-"})
"""Specs that clear a group's schedule."""


@dataclass(frozen=True)
class Block:
    """One weekly meeting time: the weekdays (0 = Monday) and a local start and end."""

    starts: dt.time
    ends: dt.time
    days: tuple[int, ...]

    def spec(self) -> str:
        """`mon,wed 09:00-12:00`."""
        days = ",".join(DAYS[d] for d in self.days)
        return f"{days} {self.starts:%H:%M}-{self.ends:%H:%M}"

    @property
    def minutes(self) -> int:
        """The planned length of one meeting."""
        start = self.starts.hour * 60 + self.starts.minute
        return self.ends.hour * 60 + self.ends.minute - start


def _day(word: str, block: str) -> int:
    """The weekday number of a day name, or a UserError naming it and its block."""
    key = word.strip().lower()
    for names in (DAYS, _FULL):
        if key in names:
            return names.index(key)
    raise UserError(
        f"--meets: unknown day {word.strip()!r} in {block.strip()!r} (use mon, tue, wed, thu,"
        " fri, sat, sun)"
    )


def _days(text: str, block: str) -> tuple[int, ...]:
    """`mon,wed-fri` → (0, 2, 3, 4)."""
    days: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            raise UserError(f"--meets: an empty day in {block.strip()!r}")
        first, dash, last = part.partition("-")
        if dash:
            start, end = _day(first, block), _day(last, block)
            if end < start:
                raise UserError(f"--meets: day range {part.strip()!r} runs backwards")
            days.update(range(start, end + 1))
        else:
            days.add(_day(part, block))
    return tuple(sorted(days))


def _time(text: str, block: str) -> dt.time:
    """`09:00` → time(9, 0), or a UserError naming the part."""
    match = _TIME.match(text.strip())
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise UserError(
            f"--meets: {text.strip()!r} in {block.strip()!r} is not a time (HH:MM, 00:00 to 23:59)"
        )
    return dt.time(hour, minute)


def _block(text: str) -> Block:
    """One `days HH:MM-HH:MM` block."""
    words = text.split()
    if len(words) != 2 or "-" not in words[1]:
        raise UserError(
            f"--meets: {text.strip()!r} should be weekdays and a start-end,"
            " e.g. 'mon,wed 09:00-12:00'"
        )
    days = _days(words[0], text)
    start_text, _, end_text = words[1].partition("-")
    starts, ends = _time(start_text, text), _time(end_text, text)
    if ends <= starts:
        raise UserError(
            f"--meets: in {text.strip()!r} the end {ends:%H:%M} is not after the start"
            f" {starts:%H:%M}"
        )
    return Block(starts, ends, days)


def parse(spec: str) -> tuple[Block, ...]:
    """The blocks of a `--meets` spec, by first weekday then start time; () for `none`.

    Raises UserError naming the part it could not read, or two blocks that overlap on a day.
    """
    if spec.strip().lower() in NONE_WORDS:
        return ()
    blocks = sorted(
        (_block(part) for part in spec.split(";") if part.strip()),
        key=lambda b: (b.days[0], b.starts),
    )
    if not blocks:
        raise UserError("--meets: no meeting times in the spec")
    for i, first in enumerate(blocks):
        for second in blocks[i + 1 :]:
            shared = set(first.days) & set(second.days)
            if shared and second.starts < first.ends and first.starts < second.ends:
                raise UserError(
                    f"--meets: {first.spec()!r} and {second.spec()!r} overlap on"
                    f" {DAYS[min(shared)]}"
                )
    return tuple(blocks)


def canonical(spec: str | None) -> str | None:
    """The spec as it is stored and shown (`mon,wed 09:00-12:00; thu 13:00-16:00`), None for
    none. Raises UserError for a bad spec."""
    if spec is None:
        return None
    blocks = parse(spec)
    return "; ".join(b.spec() for b in blocks) or None


def blocks_on(spec: str | None, day: dt.date) -> list[Block]:
    """The blocks of a stored spec that meet on `day`, by start time."""
    if not spec:
        return []
    return sorted((b for b in parse(spec) if day.weekday() in b.days), key=lambda b: b.starts)
