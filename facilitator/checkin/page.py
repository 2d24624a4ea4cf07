"""The phone check-in pages: tiny, self-contained HTML with no JavaScript and no one's name but
the member's own first name after a good check-in.

Every page is a Jinja2 template in `templates/` (children of `base.html`), rendered with
autoescaping on, so every value that comes from a user or the database is escaped. The one
inline style block (`style.html`) is allowed by its hash in the Content-Security-Policy
(no `'unsafe-inline'`).
"""

from __future__ import annotations

import base64
import hashlib

from facilitator.common.templates import environment

_TEMPLATES = environment("facilitator.checkin")
"""The page templates, loaded once; autoescaping is on for every one of them."""

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
NOT_RECOGNISED = "Sorry, code not recognised — please see your facilitator."
CLOSED = "Sorry, this check-in has closed."


def _render(template: str, **values: str | None) -> str:
    """One whole page from `template` (a child of `base.html`), its values escaped."""
    return _TEMPLATES.get_template(template).render(**values)


def form_page(problem: str | None = None) -> str:
    """The check-in form; with `problem`, a message above it (e.g. the code was not recognised)."""
    return _render("form.html", problem=problem)


def welcome_page(first_name: str) -> str:
    """After a first check-in: greets the member by first name."""
    return _render("welcome.html", first_name=first_name)


def already_page(first_name: str, at: str) -> str:
    """After a repeat: says when the first check-in was (HH:MM in the group's time zone)."""
    return _render("already.html", first_name=first_name, at=at)


def welcome_back_page(first_name: str) -> str:
    """A member who had been checked out (left early) and came back."""
    return _render("welcome_back.html", first_name=first_name)


def message_page(title: str, message: str) -> str:
    """An error or notice page with one short message."""
    return _render("message.html", title=title, message=message)
