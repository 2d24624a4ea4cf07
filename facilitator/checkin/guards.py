"""Request guards of the check-in app: cross-site posts, and the token compared in constant time."""

from __future__ import annotations

import secrets

from aiohttp import web


def cross_site(request: web.Request) -> bool:
    """A POST that a browser says came from another site.

    `Origin: null` is accepted: the form page's `Referrer-Policy: no-referrer` makes browsers
    send exactly that for our own form. The token in the URL remains the real defence.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is None or origin.strip() == "null":
        return False
    return origin.strip().lower() != f"{request.scheme}://{request.host}".lower()


def token_matches(given: str, token: str) -> bool:
    """Whether the path's token is this app's (constant time)."""
    return secrets.compare_digest(
        given.encode("utf-8", "backslashreplace"), token.encode("utf-8", "backslashreplace")
    )
