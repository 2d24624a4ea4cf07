"""The language of the phone pages: English, or Spanish from the phone's `Accept-Language`.

The words are English in the templates and in `page`/`app`; one gettext catalogue per language
translates them all (the code page, the greetings, the scales pages and the error pages):
`locale/LANG/LC_MESSAGES/checkin.po`, compiled to the `.mo` beside it, which is what is read.
English needs no catalogue.
"""

from __future__ import annotations

import functools
import gettext
from importlib import resources

LANGUAGES: tuple[str, ...] = ("en", "es")
"""The languages the pages are offered in; the first is the default."""

DOMAIN = "checkin"
"""The catalogue's name (`checkin.po`, `checkin.mo`)."""


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message


def language(accept_language: str | None) -> str:
    """The best of `LANGUAGES` for an `Accept-Language` header (`es-MX,es;q=0.9,en;q=0.8`).

    Only the primary subtag counts (`es-MX` is Spanish); the highest `q` wins, then the order
    given; anything unreadable, or no language offered, is English.
    """
    best, best_q = LANGUAGES[0], 0.0
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if not 0.0 < q <= 1.0:
            continue
        weight = q - position * 1e-6  # equal q: the earlier wins
        if primary in LANGUAGES and weight > best_q:
            best, best_q = primary, weight
    return best


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (English and unknown languages: the words as written)."""
    if lang == LANGUAGES[0] or lang not in LANGUAGES:
        return gettext.NullTranslations()
    path = resources.files("facilitator.checkin").joinpath(
        "locale", lang, "LC_MESSAGES", f"{DOMAIN}.mo"
    )
    with path.open("rb") as catalogue:
        return gettext.GNUTranslations(catalogue)


def gettext_for(lang: str, message: str) -> str:
    """`message` in `lang`."""
    return translations(lang).gettext(message)
