"""Session log export (CONTRACT 7): JSON, CSV and HTML, streamed batch by batch.

Five years of a busy clinic never sit in memory at once: sessions are read in keyset pages of
`batch_size` ordered by (started_at, id), each page's agenda, breaks, attendance, notes and addenda
come in one IN-query per table, and every session is written to the output stream as soon as it is
built.

Choices (the contract leaves them open):

- `curriculum` and `topic` hold the curriculum id and the topic (curriculum session) id, exactly
  as recorded, so an export imported elsewhere exports the same again. Titles appear in the CSV
  (`topic_title`) and in the HTML only.
- Only ended sessions are exported unless `include_live` is set; a live session is still changing.
- `--from`/`--to` compare with each session's local date in its group's time zone, inclusive.
- Times are ISO 8601 in the group's time zone with its offset. `minutes` is service minutes as
  stored. Attendance is ordered by name (then external id, code); notes put the group note first,
  then member notes by name; agenda by position; breaks and addenda by time.
- The CSV has one row per attendance record; any cell that a spreadsheet could read as a formula
  (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`.
- The HTML shows no personal check-in codes (not needed on a printed record).

Plain Python: no Textual, no Typer.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.attendance import audit
from facilitator.errors import UserError
from facilitator.models import (
    NOTE_FORMATS,
    Addendum,
    AgendaRun,
    Attendance,
    Break,
    Group,
    GroupSession,
    Method,
    Note,
    Participant,
    SessionState,
    Status,
)
from facilitator.timeutil import as_utc, iso, zone

FORMATS: tuple[str, ...] = ("csv", "json", "html")
"""The export formats, as `--format` spells them."""

BATCH_SIZE = 200
"""Sessions per page read from the database."""

CSV_COLUMNS: tuple[str, ...] = (
    "session_id",
    "date",
    "group",
    "curriculum",
    "topic",
    "topic_title",
    "facilitator",
    "name",
    "external_id",
    "code",
    "status",
    "checked_in_at",
    "checked_out_at",
    "minutes",
    "method",
)
"""The CSV header, in order."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cell beginnings a spreadsheet may take for a formula."""

JSON_KEYS: tuple[str, ...] = (
    "id",
    "group",
    "curriculum",
    "topic",
    "facilitator",
    "started_at",
    "ended_at",
    "agenda",
    "breaks",
    "attendance",
    "notes",
    "addenda",
    "signed_by",
    "signed_at",
)
"""The keys of one session in the JSON export, in order."""


def _local(value: dt.datetime, tz: str) -> dt.datetime:
    """A stored instant in the group's time zone."""
    utc = as_utc(value)
    assert utc is not None
    return utc.astimezone(zone(tz))


@dataclass(frozen=True)
class ExportFilter:
    """Which sessions to export: a group, an inclusive local-date range, live ones or not."""

    group: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    include_live: bool = False


@dataclass
class SessionLog:
    """One session with everything recorded about it, as loaded for export."""

    session: GroupSession
    group: Group
    agenda: list[AgendaRun] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    attendance: list[tuple[Attendance, Participant]] = field(default_factory=list)
    notes: list[tuple[Note, Participant | None]] = field(default_factory=list)
    addenda: list[Addendum] = field(default_factory=list)

    @property
    def timezone(self) -> str:
        """The group's time zone: every time is shown in it."""
        return self.group.timezone


# --- reading ------------------------------------------------------------------------------------


def _person_key(participant: Participant | None) -> tuple[int, str, str, str]:
    """Sort order of people: the group note (None) first, then by name, external id, code."""
    if participant is None:
        return (0, "", "", "")
    return (1, participant.name.casefold(), participant.external_id or "", participant.code)


def _sessions_query(db: Session, filt: ExportFilter) -> Any:
    """The filtered sessions with their group, not yet ordered or paged."""
    query = select(GroupSession, Group).join(Group, col(Group.id) == col(GroupSession.group_id))
    if filt.group is not None:
        from facilitator.groups import get_group

        query = query.where(GroupSession.group_id == get_group(db, filt.group).id)
    if not filt.include_live:
        query = query.where(GroupSession.state == SessionState.ENDED.value)
    if filt.date_from is not None:
        query = query.where(col(GroupSession.local_date) >= filt.date_from)
    if filt.date_to is not None:
        query = query.where(col(GroupSession.local_date) <= filt.date_to)
    return query


def _load_children(db: Session, logs: dict[str, SessionLog]) -> None:
    """Fill in a page's agenda, breaks, attendance, notes and addenda: one query per table."""
    ids = list(logs)
    for item in db.exec(
        select(AgendaRun)
        .where(col(AgendaRun.session_id).in_(ids))
        .order_by(col(AgendaRun.session_id), col(AgendaRun.position), col(AgendaRun.id))
    ):
        logs[item.session_id].agenda.append(item)
    for brk in db.exec(
        select(Break)
        .where(col(Break.session_id).in_(ids))
        .order_by(col(Break.session_id), col(Break.started_at), col(Break.id))
    ):
        logs[brk.session_id].breaks.append(brk)
    for row, person in db.exec(
        select(Attendance, Participant)
        .join(Participant, col(Participant.id) == col(Attendance.participant_id))
        .where(col(Attendance.session_id).in_(ids))
    ):
        logs[row.session_id].attendance.append((row, person))
    for note, author in db.exec(
        select(Note, Participant)
        .outerjoin(Participant, col(Participant.id) == col(Note.participant_id))
        .where(col(Note.session_id).in_(ids))
    ):
        logs[note.session_id].notes.append((note, author))
    for addendum in db.exec(
        select(Addendum)
        .where(col(Addendum.session_id).in_(ids))
        .order_by(col(Addendum.session_id), col(Addendum.created_at), col(Addendum.id))
    ):
        logs[addendum.session_id].addenda.append(addendum)
    for log in logs.values():
        # Sorted here, not in SQL, so the order is the same on SQLite and PostgreSQL.
        log.attendance.sort(key=lambda pair: (_person_key(pair[1]), pair[0].id or 0))
        log.notes.sort(key=lambda pair: (_person_key(pair[1]), pair[0].id or 0))


def iter_sessions(
    db: Session, filt: ExportFilter | None = None, *, batch_size: int = BATCH_SIZE
) -> Iterator[SessionLog]:
    """Every matching session, oldest first, read in keyset pages of `batch_size`."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    query = _sessions_query(db, filt or ExportFilter())
    after: tuple[dt.datetime, str] | None = None
    while True:
        page = query
        if after is not None:
            started, last_id = after
            page = page.where(
                sa.or_(
                    col(GroupSession.started_at) > started,
                    sa.and_(
                        col(GroupSession.started_at) == started, col(GroupSession.id) > last_id
                    ),
                )
            )
        rows = db.exec(
            page.order_by(col(GroupSession.started_at), col(GroupSession.id)).limit(batch_size)
        ).all()
        if not rows:
            return
        logs = {session.id: SessionLog(session=session, group=group) for session, group in rows}
        _load_children(db, logs)
        yield from logs.values()
        if len(rows) < batch_size:
            return
        last = rows[-1][0]
        after = (last.started_at, last.id)


def load_session_log(db: Session, session_id: str) -> SessionLog | None:
    """One session with everything recorded about it (for the history screen), or None."""
    row = db.exec(
        select(GroupSession, Group)
        .join(Group, col(Group.id) == col(GroupSession.group_id))
        .where(GroupSession.id == session_id)
    ).first()
    if row is None:
        return None
    logs = {row[0].id: SessionLog(session=row[0], group=row[1])}
    _load_children(db, logs)
    return logs[row[0].id]


# --- JSON ---------------------------------------------------------------------------------------


def session_record(log: SessionLog) -> dict[str, Any]:
    """One session in the JSON export shape (CONTRACT 7)."""
    tz = log.timezone
    s = log.session
    notes: list[dict[str, Any]] = []
    for note, author in log.notes:
        entry: dict[str, Any] = {
            "text": note.text,
            "created_at": iso(note.created_at, tz),
            "participant": author.name if author is not None else None,
        }
        if note.format:
            entry["format"] = note.format
            entry["fields"] = dict(note.fields or {})
        notes.append(entry)
    return {
        "id": s.id,
        "group": log.group.name,
        "curriculum": s.curriculum_id,
        "topic": s.topic_id,
        "facilitator": s.facilitator,
        "started_at": iso(s.started_at, tz),
        "ended_at": iso(s.ended_at, tz),
        "agenda": [
            {
                "title": item.title,
                "kind": item.kind,
                "planned_minutes": item.planned_minutes,
                "started_at": iso(item.started_at, tz),
                "ended_at": iso(item.ended_at, tz),
                "skipped": bool(item.skipped),
            }
            for item in log.agenda
        ],
        "breaks": [
            {"started_at": iso(brk.started_at, tz), "ended_at": iso(brk.ended_at, tz)}
            for brk in log.breaks
        ],
        "attendance": [
            {
                "name": person.name,
                "external_id": person.external_id,
                "code": person.code,
                "status": row.status,
                "checked_in_at": iso(row.checked_in_at, tz),
                "checked_out_at": iso(row.checked_out_at, tz),
                "minutes": float(row.minutes),
                "method": row.method,
            }
            for row, person in log.attendance
        ],
        "notes": notes,
        "addenda": [
            {
                "text": a.text,
                "reason": a.reason,
                "author": a.author,
                "created_at": iso(a.created_at, tz),
            }
            for a in log.addenda
        ],
        "signed_by": s.signed_by,
        "signed_at": iso(s.signed_at, tz),
    }


def write_json(logs: Iterator[SessionLog], out: TextIO) -> int:
    """A JSON list of sessions, one per line, each written as soon as it is built."""
    count = 0
    for log in logs:
        # Compact (the C encoder: an indented dump is several times slower), one session a line.
        text = json.dumps(session_record(log), ensure_ascii=False)
        out.write(("[\n" if count == 0 else ",\n") + text)
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


# --- CSV ----------------------------------------------------------------------------------------


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: a leading `'` before a formula-like start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _minutes_text(minutes: float) -> str:
    """`180`, `87.5`, `12.33`: service minutes without trailing zeros."""
    return f"{round(float(minutes), 2):.2f}".rstrip("0").rstrip(".")


def csv_rows(log: SessionLog) -> Iterator[list[str]]:
    """The CSV rows of one session: one per attendance record."""
    tz = log.timezone
    s = log.session
    head = [
        s.id,
        s.local_date.isoformat(),
        log.group.name,
        s.curriculum_id,
        s.topic_id,
        s.topic_title,
        s.facilitator,
    ]
    for row, person in log.attendance:
        cells = [
            *head,
            person.name,
            person.external_id,
            person.code,
            row.status,
            iso(row.checked_in_at, tz),
            iso(row.checked_out_at, tz),
            _minutes_text(row.minutes),
            row.method,
        ]
        yield [safe_cell(cell) for cell in cells]


def write_csv(logs: Iterator[SessionLog], out: TextIO, *, bom: bool = False) -> int:
    """One row per attendance record under a header (header only if none); returns sessions."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for log in logs:
        writer.writerows(csv_rows(log))
        count += 1
    return count


# --- HTML ---------------------------------------------------------------------------------------

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
        f'<td class="num">{_e(_minutes_text(row.minutes))}</td>'
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


# --- the whole export -------------------------------------------------------------------------


def export_sessions(
    db: Session,
    out: TextIO,
    *,
    fmt: str,
    filt: ExportFilter | None = None,
    bom: bool = False,
    batch_size: int = BATCH_SIZE,
    actor: str = "",
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the matching sessions to `out` in `fmt`; audit it; return the number of sessions.

    `progress`, if given, is called with the number of sessions written so far.
    """
    filt = filt or ExportFilter()
    if fmt not in FORMATS:
        raise UserError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if filt.date_from and filt.date_to and filt.date_from > filt.date_to:
        raise UserError(
            f"--from {filt.date_from.isoformat()} is after --to {filt.date_to.isoformat()}"
        )
    if bom and fmt != "csv":
        raise UserError("--bom applies to --format csv only")
    logs = iter_sessions(db, filt, batch_size=batch_size)
    if progress is not None:
        logs = _counted(logs, progress)
    if fmt == "json":
        count = write_json(logs, out)
    elif fmt == "csv":
        count = write_csv(logs, out, bom=bom)
    else:
        count = write_html(logs, out, filt)
    audit(
        db,
        "export",
        actor=actor,
        at=now,
        format=fmt,
        group=filt.group,
        **{"from": filt.date_from.isoformat() if filt.date_from else None},
        to=filt.date_to.isoformat() if filt.date_to else None,
        include_live=filt.include_live,
        count=count,
    )
    db.flush()
    return count


def _counted(logs: Iterator[SessionLog], progress: Callable[[int], None]) -> Iterator[SessionLog]:
    for done, log in enumerate(logs, 1):
        yield log
        progress(done)


def count_sessions(db: Session, filt: ExportFilter | None = None) -> int:
    """How many sessions an export with this filter would write (for a progress bar)."""
    query = _sessions_query(db, filt or ExportFilter()).subquery()
    return int(db.exec(select(sa.func.count()).select_from(query)).one())


@contextmanager
def atomic_output(path: Path, *, newline: str | None = "") -> Iterator[TextIO]:
    """A UTF-8 text stream to a temp file beside `path`, moved into place (0600) on success."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise UserError(f"--out: {target} is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"--out: no folder {folder}")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"--out: cannot write in {folder}: {exc.strerror}") from None
    temp = Path(temp_name)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # mkstemp makes it 0600 already; be explicit
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
