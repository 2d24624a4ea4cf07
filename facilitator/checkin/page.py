"""The phone check-in pages: tiny, self-contained HTML with no JavaScript and no one's name but
the member's own first name after a good check-in.

Every page is a Jinja2 template in `templates/` (children of `base.html`), rendered with
autoescaping on, so every value that comes from a user or the database is escaped. The one
inline style block (`style.html`) is allowed by its hash in the Content-Security-Policy
(no `'unsafe-inline'`). Each page is in English or Spanish (`lang`, see `checkin.i18n`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

from jinja2 import Environment

from facilitator.checkin.i18n import LANGUAGES, N_, gettext_for, translations
from facilitator.common.templates import environment


@functools.cache
def _environment(lang: str) -> Environment:
    """The page templates in one language, loaded once; autoescaping is on for every one."""
    env = environment("facilitator.checkin")
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    return env


_TEMPLATES = _environment(LANGUAGES[0])

STYLE = _TEMPLATES.get_template("style.html").render()
"""The only stylesheet, exactly as `base.html` includes it; its hash goes into the CSP."""

STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"style-src '{STYLE_HASH}'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""Sent with every response of the check-in server, errors included."""

# Worded as the contract words them (lower case), after a short lead-in.
NOT_RECOGNISED = N_("Sorry, code not recognised — please see your facilitator.")
CLOSED = N_("Sorry, this check-in has closed.")


def _render(template: str, lang: str, **values: object) -> str:
    """One whole page from `template` (a child of `base.html`) in `lang`, its values escaped."""
    return _environment(lang).get_template(template).render(**values)


def form_page(problem: str | None = None, *, lang: str = "en") -> str:
    """The check-in form; with `problem`, a message above it (e.g. the code was not recognised)."""
    return _render("form.html", lang, problem=gettext_for(lang, problem) if problem else None)


def _greeting(template: str, first_name: str, lang: str, ask: Ask | None, at: str = "") -> str:
    return _render(template, lang, first_name=first_name, at=at, ask=ask)


def welcome_page(first_name: str, *, lang: str = "en", ask: Ask | None = None) -> str:
    """After a first check-in: greets the member by first name (and asks the scales, if any)."""
    return _greeting("welcome.html", first_name, lang, ask)


def already_page(first_name: str, at: str, *, lang: str = "en", ask: Ask | None = None) -> str:
    """After a repeat: says when the first check-in was (HH:MM in the group's time zone)."""
    return _greeting("already.html", first_name, lang, ask, at)


def welcome_back_page(first_name: str, *, lang: str = "en", ask: Ask | None = None) -> str:
    """A member who had been checked out (left early) and came back."""
    return _greeting("welcome_back.html", first_name, lang, ask)


def message_page(title: str, message: str, *, lang: str = "en") -> str:
    """An error or notice page with one short message (both translated)."""
    return _render(
        "message.html", lang, title=gettext_for(lang, title), message=gettext_for(lang, message)
    )


@dataclass(frozen=True)
class Ask:
    """One scale to ask on a page: which, with the receipt and the answers carried so far."""

    scale: str
    receipt: str
    carried: tuple[tuple[str, str], ...] = ()
    """(scale, value) already answered on earlier pages ("" for skipped), sent on again."""


def scale_page(ask: Ask, *, lang: str = "en") -> str:
    """The next scale after the first (same receipt, earlier answers carried)."""
    return _render("scale_next.html", lang, ask=ask)


def thanks_page(*, lang: str = "en") -> str:
    """After the answers (or a skip): thank you."""
    return _render("thanks.html", lang)
