"""Personal check-in codes: short, unambiguous, matched without regard to case, spaces or dashes."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and typed from a card.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
GENERATED_LENGTH = 6
_VALID = re.compile(r"^[A-Z0-9]{4,16}$")


def normalise(code: str) -> str:
    """Upper case, with spaces and dashes removed: `ab-12 cd` → `AB12CD`."""
    return re.sub(r"[\s\-]+", "", code).upper()


def is_valid(code: str) -> bool:
    """A given code is 4-16 letters and digits (after normalising)."""
    return bool(_VALID.match(normalise(code)))


def generate(taken: set[str] | None = None) -> str:
    """A new random code that is not in `taken`."""
    taken = taken or set()
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_LENGTH))
        if code not in taken:
            return code
