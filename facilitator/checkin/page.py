"""The phone check-in pages: tiny, self-contained HTML with no JavaScript and no one's name but
the member's own first name after a good check-in.

Every value that comes from a user or the database goes through `html.escape`. The one inline
style block is allowed by its hash in the Content-Security-Policy (no `'unsafe-inline'`).
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

STYLE = (
    "body{margin:0;font:20px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "background:#fff;color:#111}"
    "main{max-width:26rem;margin:0 auto;padding:1.5rem 1rem}"
    "h1{font-size:1.6rem;margin:0 0 1rem}"
    "label{display:block;font-weight:600;margin-bottom:.4rem}"
    "input{box-sizing:border-box;width:100%;font:inherit;font-size:1.6rem;letter-spacing:.12em;"
    "text-transform:uppercase;padding:.6rem .7rem;border:2px solid #555;border-radius:.4rem}"
    "input:focus{outline:3px solid #1a5fb4;outline-offset:2px}"
    "button{width:100%;margin-top:1rem;font:inherit;font-weight:600;padding:.8rem;"
    "border:0;border-radius:.4rem;background:#1a5fb4;color:#fff}"
    ".hint{color:#444;font-size:.9rem;margin:.4rem 0 0}"
    ".ok{border-left:.4rem solid #26a269;padding-left:.8rem}"
    ".problem{border-left:.4rem solid #c01c28;padding-left:.8rem}"
)
"""The only stylesheet; its hash goes into the CSP."""

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


def _document(title: str, body: str) -> str:
    """A whole page around `body` (already-escaped HTML)."""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


_FORM = (
    '<form method="post" autocomplete="off">\n'
    '<label for="code">Your personal code</label>\n'
    '<input id="code" name="code" type="text" inputmode="text" autocomplete="off" '
    'autocapitalize="characters" autocorrect="off" spellcheck="false" enterkeyhint="go" '
    'maxlength="40" required autofocus aria-describedby="code-hint">\n'
    '<p class="hint" id="code-hint">The letters and digits on your card. '
    "Spaces and dashes do not matter.</p>\n"
    '<button type="submit">Check in</button>\n'
    "</form>"
)


def form_page(problem: str | None = None) -> str:
    """The check-in form; with `problem`, a message above it (e.g. the code was not recognised)."""
    alert = ""
    if problem:
        alert = f'<p class="problem" role="alert">{escape(problem)}</p>\n'
    return _document("Check in", f"<h1>Check in</h1>\n{alert}{_FORM}")


def welcome_page(first_name: str) -> str:
    """After a first check-in: greets the member by first name."""
    message = f"Welcome, {escape(first_name)} — you're checked in."
    return _document("Checked in", f'<h1 class="ok" role="status">{message}</h1>')


def already_page(first_name: str, at: str) -> str:
    """After a repeat: says when the first check-in was (HH:MM in the group's time zone)."""
    message = f"Welcome, {escape(first_name)} — you were already checked in at {escape(at)}."
    return _document("Checked in", f'<h1 class="ok" role="status">{message}</h1>')


def welcome_back_page(first_name: str) -> str:
    """A member who had been checked out (left early) and came back."""
    message = f"Welcome back, {escape(first_name)} — you're checked in again."
    return _document("Checked in", f'<h1 class="ok" role="status">{message}</h1>')


def message_page(title: str, message: str) -> str:
    """An error or notice page with one short message."""
    return _document(title, f'<h1>{escape(title)}</h1>\n<p class="problem">{escape(message)}</p>')
