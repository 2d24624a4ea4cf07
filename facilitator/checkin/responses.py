"""The check-in server's pages as HTTP responses: the error pages, in the phone's language.

Every message is marked for translation (`N_`) and translated where it is shown.
"""

from __future__ import annotations

from aiohttp import web

from facilitator.checkin import page
from facilitator.checkin.i18n import N_, language

MESSAGES = {
    400: (N_("Check in"), N_("Please type the code from your card.")),
    403: (
        N_("Not allowed"),
        N_("Please open the check-in page again and send the code from there."),
    ),
    404: (N_("Not found"), N_("Please scan the code on the facilitator's screen again.")),
    405: (N_("Not allowed"), N_("Please use the check-in form.")),
    410: (N_("Check-in closed"), page.CLOSED),
    408: (N_("Too slow"), N_("The code took too long to arrive. Please try again.")),
    413: (
        N_("Too much"),
        N_("That was more than a code. Please type just the code from your card."),
    ),
    429: (
        N_("Too many tries"),
        N_("Too many codes were not recognised. Please wait a minute, or see your facilitator."),
    ),
    503: (
        N_("Not available"),
        N_("Check-in is not available right now — please see your facilitator."),
    ),
}

MALFORMED = (N_("Not understood"), N_("Please scan the code on the facilitator's screen again."))

REFUSED: dict[str, tuple[int, str, str]] = {
    "unknown": (
        422,
        N_("Not recognised"),
        N_("This answer form is not recognised. Please see your facilitator."),
    ),
    "used": (409, N_("Already answered"), N_("Your answers were already sent. Thank you.")),
    "closed": (410, N_("Check-in closed"), page.CLOSED),
    "bad-value": (400, N_("Not understood"), N_("Please tap a number from 0 to 10.")),
}
"""The page for each refused answer (`session.receipts.Refusal`): status, title, message."""


def html(status: int, body: str, headers: dict[str, str] | None = None) -> web.Response:
    """An HTML page with this status."""
    return web.Response(status=status, text=body, content_type="text/html", headers=headers)


def error(status: int, headers: dict[str, str] | None = None, lang: str = "en") -> web.Response:
    """The page for an error status, in `lang` (400: the form again, with the problem)."""
    title, message = MESSAGES.get(
        status,
        (N_("Something went wrong"), N_("Something went wrong — please see your facilitator.")),
    )
    if status == 400:
        return html(status, page.form_page(message, lang=lang), headers)
    return html(status, page.message_page(title, message, lang=lang), headers)


def lang_of(request: web.Request) -> str:
    """The page language the phone asks for (`Accept-Language`)."""
    return language(request.headers.get("Accept-Language"))


def error_response(status: int) -> web.Response:
    """The page for a request the HTTP layer refused (malformed, too large, too slow).

    From the app's templates, with the security headers; it never repeats the request.
    """
    response = html(400, page.message_page(*MALFORMED)) if status == 400 else error(status)
    response.headers.update(page.SECURITY_HEADERS)
    return response
