"""The printable HTML session log: one self-contained page per session."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from typing import TextIO

from facilitator.common.timeutil import as_utc, zone
from facilitator.exchange.export.json_csv import minutes_text
from facilitator.exchange.export.loading import ExportFilter, SessionLog
from facilitator.store.models import NOTE_FORMATS, Method, Note, Participant, Status


def _local(value: dt.datetime, tz: str) -> dt.datetime:
    """A stored instant in the group's time zone."""
    utc = as_utc(value)
    assert utc is not None
    return utc.astimezone(zone(tz))


_CSS = """
@page { size: auto; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #000; background: #fff; margin: 0; padding: 1rem; }
section.session { page-break-after: always; break-after: page;
                  max-width: 60rem; margin: 0 auto 3rem; }
section.session:last-of-type { page-break-after: auto; break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 .2rem; }
h2 { font-size: 12pt; margin: 1.1rem 0 .35rem; border-bottom: 1px solid #000; }
h3 { font-size: 11pt; margin: .8rem 0 .2rem; }
h4 { font-size: 10.5pt; margin: .4rem 0 .1rem; }
p { margin: .2rem 0; }
.meta { color: #333; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #888; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num, th.num { text-align: right; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.note { page-break-inside: avoid; break-inside: avoid; }
.addendum { border: 2px solid #000; padding: .3rem .6rem; margin: .5rem 0;
            page-break-inside: avoid; break-inside: avoid; }
.addendum .label { font-weight: bold; letter-spacing: .05em; }
.signature { margin-top: 1.5rem; page-break-inside: avoid; break-inside: avoid; }
.signature .line { display: inline-block; min-width: 18rem; border-bottom: 1px solid #000; }
.unsigned { font-weight: bold; letter-spacing: .15em; border: 2px solid #000; padding: 0 .4rem; }
.empty { font-style: italic; }
@media print { body { padding: 0; } section.session { margin: 0; max-width: none; } }
"""


def _e(value: object) -> str:
    """HTML-escape any value (None → empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def _when(value: dt.datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time in the group's zone for the page, or an empty string."""
    return "" if value is None else _local(value, tz).strftime(fmt)


def _clock(value: dt.datetime | None, tz: str) -> str:
    return _when(value, tz, "%H:%M")


def _actual_minutes(start: dt.datetime | None, end: dt.datetime | None) -> str:
    if start is None or end is None:
        return ""
    return str(round((end - start).total_seconds() / 60))


def _status_word(status: str) -> str:
    try:
        return Status(status).word
    except ValueError:
        return status


def _method_word(method: str | None) -> str:
    if method is None:
        return ""
    try:
        return Method(method).value
    except ValueError:
        return method


def _html_head(title: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="robots" content="noindex">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
    )


def _agenda_html(log: SessionLog) -> str:
    tz = log.timezone
    if not log.agenda:
        return '<p class="empty">No agenda recorded.</p>\n'
    rows = []
    total_planned = 0
    for number, item in enumerate(log.agenda, start=1):
        total_planned += item.planned_minutes
        actual = "skipped" if item.skipped else _actual_minutes(item.started_at, item.ended_at)
        rows.append(
            f'<tr><td class="num">{number}</td><td>{_e(item.title)}</td><td>{_e(item.kind)}</td>'
            f'<td class="num">{item.planned_minutes}</td><td class="num">{_e(actual)}</td>'
            f"<td>{_clock(item.started_at, tz)}</td><td>{_clock(item.ended_at, tz)}</td></tr>"
        )
    session_actual = _actual_minutes(log.session.started_at, log.session.ended_at)
    return (
        '<table>\n<thead><tr><th class="num">#</th><th>Item</th><th>Kind</th>'
        '<th class="num">Planned min</th><th class="num">Actual min</th>'
        "<th>Started</th><th>Ended</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n<tfoot><tr><th></th><th>Session</th><th></th>"
        f'<th class="num">{total_planned}</th><th class="num">{_e(session_actual)}</th>'
        f"<th>{_clock(log.session.started_at, tz)}</th><th>{_clock(log.session.ended_at, tz)}</th>"
        "</tr></tfoot>\n</table>\n"
    )


def _breaks_html(log: SessionLog) -> str:
    tz = log.timezone
    if not log.breaks:
        return ""
    items = [
        f"<li>{_clock(b.started_at, tz)}–{_clock(b.ended_at, tz)} "
        f"({_e(_actual_minutes(b.started_at, b.ended_at) or '?')} min, not service time)</li>"
        for b in log.breaks
    ]
    return "<h3>Breaks</h3>\n<ul>\n" + "\n".join(items) + "\n</ul>\n"


def _attendance_html(log: SessionLog) -> str:
    tz = log.timezone
    if not log.attendance:
        return '<p class="empty">No attendance recorded.</p>\n'
    rows = [
        f"<tr><td>{_e(person.name)}</td><td>{_e(person.external_id)}</td>"
        f"<td>{_e(_status_word(row.status))}</td><td>{_clock(row.checked_in_at, tz)}</td>"
        f"<td>{_clock(row.checked_out_at, tz)}</td>"
        f'<td class="num">{_e(minutes_text(row.minutes))}</td>'
        f"<td>{_e(_method_word(row.method))}</td></tr>"
        for row, person in log.attendance
    ]
    return (
        "<table>\n<thead><tr><th>Member</th><th>External id</th><th>Status</th><th>In</th>"
        '<th>Out</th><th class="num">Service min</th><th>Method</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )


def _note_html(note: Note, author: Participant | None, tz: str) -> str:
    title = "Group note" if author is None else author.name
    meta = f"written {_when(note.created_at, tz)}"
    if note.format:
        meta = f"{_e(note.format)} note, {meta}"
    parts = [f'<article class="note">\n<h3>{_e(title)}</h3>\n<p class="meta">{meta}</p>']
    if note.format:
        headings = list(NOTE_FORMATS.get(note.format, ()))
        headings += [h for h in (note.fields or {}) if h not in headings]
        for heading in headings:
            body = (note.fields or {}).get(heading, "")
            parts.append(f'<h4>{_e(heading)}</h4>\n<p class="text">{_e(body)}</p>')
    else:
        parts.append(f'<p class="text">{_e(note.text)}</p>')
    parts.append("</article>")
    return "\n".join(parts) + "\n"


def _notes_html(log: SessionLog) -> str:
    if not log.notes:
        return '<p class="empty">No notes recorded.</p>\n'
    return "".join(_note_html(note, author, log.timezone) for note, author in log.notes)


def _addenda_html(log: SessionLog) -> str:
    if not log.addenda:
        return ""
    tz = log.timezone
    parts = [
        '<h2>Addenda</h2>\n<p class="meta">Corrections added after signing. '
        "The signed record above is unchanged.</p>"
    ]
    for number, a in enumerate(log.addenda, start=1):
        parts.append(
            f'<article class="addendum">\n<p><span class="label">ADDENDUM {number}</span> — '
            f"added {_e(_when(a.created_at, tz))} by {_e(a.author)}</p>\n"
            f'<p>Reason: {_e(a.reason)}</p>\n<p class="text">{_e(a.text)}</p>\n</article>'
        )
    return "\n".join(parts) + "\n"


def _signature_html(log: SessionLog) -> str:
    s = log.session
    if s.signed_at is not None:
        return (
            '<footer class="signature">\n<p>Electronically signed by '
            f"<strong>{_e(s.signed_by)}</strong> on {_e(_when(s.signed_at, log.timezone))}</p>\n"
            "</footer>\n"
        )
    return (
        '<footer class="signature">\n<p><span class="unsigned">UNSIGNED</span></p>\n'
        '<p>Signature: <span class="line">&nbsp;</span> Date: <span class="line">&nbsp;</span>'
        "</p>\n</footer>\n"
    )


def session_html(log: SessionLog) -> str:
    """One printable page: agenda, attendance, notes, addenda and the signature block."""
    s = log.session
    tz = log.timezone
    topic = s.topic_title or s.topic_id or "no topic"
    curriculum = s.curriculum_title or s.curriculum_id
    about = f"Topic: {_e(topic)}"
    if curriculum:
        about += f" ({_e(curriculum)})"
    about += f" · Facilitator: {_e(s.facilitator) or '—'}"
    state = "" if s.ended_at is not None else " · <strong>still in progress</strong>"
    return (
        f'<section class="session" id="session-{_e(s.id)}">\n<header>\n'
        f"<h1>{_e(log.group.name)} — {_e(s.local_date.isoformat())}</h1>\n"
        f"<p>{about}</p>\n"
        f'<p class="meta">{_when(s.started_at, tz)} to {_clock(s.ended_at, tz) or "…"} '
        f"({_e(tz)}){state} · session {_e(s.id)}</p>\n</header>\n"
        "<h2>Agenda</h2>\n"
        + _agenda_html(log)
        + _breaks_html(log)
        + "<h2>Attendance</h2>\n"
        + _attendance_html(log)
        + "<h2>Notes</h2>\n"
        + _notes_html(log)
        + _addenda_html(log)
        + _signature_html(log)
        + "</section>\n"
    )


def _range_text(filt: ExportFilter) -> str:
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
    out.write(_html_head("Session log"))
    count = 0
    for log in logs:
        out.write(session_html(log))
        count += 1
    if count == 0:
        where = _range_text(filt or ExportFilter())
        out.write(
            '<section class="session">\n<h1>Session log</h1>\n'
            f'<p class="empty">No sessions{(" for " + _e(where)) if where else ""}.</p>\n'
            "</section>\n"
        )
    out.write("</body>\n</html>\n")
    return count
