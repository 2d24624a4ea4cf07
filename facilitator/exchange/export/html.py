"""The printable HTML session log: one self-contained page per session, from templates/.

The page is made from Jinja2 templates with autoescaping on, so every stored string (names,
notes, titles) is shown as text, never as markup. Sessions are rendered one at a time and
written as they come, so a long range never sits in memory as one page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from facilitator.common.templates import environment
from facilitator.common.timeutil import as_utc, zone
from facilitator.exchange.export.json_csv import minutes_text
from facilitator.exchange.export.rows import ExportFilter, SessionLog
from facilitator.store.models import NOTE_FORMATS, Method, Note, Status

_ATTENDED = frozenset(s.value for s in Status if s.attended)

TITLE = "Session log"


def _local(value: dt.datetime, tz: str) -> dt.datetime:
    """A stored instant in the group's time zone."""
    utc = as_utc(value)
    assert utc is not None
    return utc.astimezone(zone(tz))


def _when(value: dt.datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time in the group's zone for the page, or an empty string."""
    return "" if value is None else _local(value, tz).strftime(fmt)


def _clock(value: dt.datetime | None, tz: str) -> str:
    """The time of day (`HH:MM`) in the group's zone, or an empty string."""
    return _when(value, tz, "%H:%M")


def _minutes_between(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """Whole minutes from `start` to `end`, or an empty string when either is missing."""
    if start is None or end is None:
        return ""
    return str(round((end - start).total_seconds() / 60))


def _status_word(status: str) -> str:
    """The attendance status as the page words it (an unknown one as stored)."""
    try:
        return Status(status).word
    except ValueError:
        return status


def _method_word(method: str | None) -> str:
    """How the member checked in, or an empty string."""
    if method is None:
        return ""
    try:
        return Method(method).value
    except ValueError:
        return method


def _modality_word(modality: str) -> str:
    """How the member attended, as the page words it (`in person`, `telehealth`)."""
    return modality.replace("_", " ")


def _attended(log: SessionLog, modality: str | None = None) -> int:
    """How many members attended (present, late or left early), or attended in `modality`."""
    return sum(
        1
        for row, _person in log.attendance
        if row.status in _ATTENDED and modality in (None, row.modality)
    )


def _note_headings(note: Note) -> list[str]:
    """A structured note's headings: its format's, in order, then any others it holds."""
    headings = list(NOTE_FORMATS.get(note.format or "", ()))
    return headings + [h for h in (note.fields or {}) if h not in headings]


def _by_name(*functions: Callable[..., Any]) -> dict[str, Callable[..., Any]]:
    """Functions under the names the templates call them by (`_when` is `when`)."""
    return {function.__name__.lstrip("_"): function for function in functions}


_ENV = environment("facilitator.exchange.export")
"""The session log's templates, loaded once; autoescaping is on, None prints as nothing."""
_ENV.filters.update(
    _by_name(_when, _clock, _status_word, _method_word, _modality_word, minutes_text)
)
_ENV.globals.update(_by_name(_minutes_between, _note_headings, _attended))


def session_html(log: SessionLog) -> str:
    """One printable page: agenda, attendance, notes, addenda and the signature block."""
    return _ENV.get_template("session.html").render(log=log)


def _range_text(filt: ExportFilter) -> str:
    """The filter in words (`group X from DATE to DATE`), for a log with no sessions."""
    parts = []
    if filt.group is not None:
        parts.append(f"group {filt.group}")
    if filt.date_from is not None:
        parts.append(f"from {filt.date_from.isoformat()}")
    if filt.date_to is not None:
        parts.append(f"to {filt.date_to.isoformat()}")
    return " ".join(parts)


def write_html(logs: Iterator[SessionLog], out: TextIO, filt: ExportFilter | None = None) -> int:
    """A self-contained printable document, one page per session; returns how many."""
    out.write(_ENV.get_template("log_start.html").render(title=TITLE))
    count = 0
    for log in logs:
        out.write(session_html(log))
        count += 1
    if count == 0:
        where = _range_text(filt or ExportFilter())
        out.write(_ENV.get_template("no_sessions.html").render(where=where))
    out.write(_ENV.get_template("log_end.html").render())
    return count
