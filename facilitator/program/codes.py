"""Personal check-in codes: short, unambiguous, matched without regard to case, spaces or dashes."""

from __future__ import annotations

import re
import secrets
import unicodedata

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and typed from a card.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
GENERATED_LENGTH = 6
_VALID = re.compile(r"^[A-Z0-9]{4,16}$")


# Spaces of every kind, the ASCII hyphen and the dashes a word processor or phone substitutes.
_IGNORED = re.compile(r"[\s\-\u00ad\u2010-\u2015\u2212\ufe63\uff0d]+")


def normalise(code: str) -> str:
    """Upper case, with spaces and dashes removed: `ab-12 cd` → `AB12CD`.

    NFKC first, so a phone keyboard's full-width `ＡＢ１２` counts as `AB12`.
    """
    return _IGNORED.sub("", unicodedata.normalize("NFKC", code)).upper()


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
