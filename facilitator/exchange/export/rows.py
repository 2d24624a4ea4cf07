"""Session logs for every export format as plain Core rows of only the columns they write.

No ORM objects: each table is read with `select(table.c.col, ...)` through the session's
connection, never the agenda's prompt text. Here: the filter, the columns every format reads,
and the HTML's keyset pages of `batch_size` sessions (`iter_sessions`) with each page's agenda,
breaks, attendance, notes and addenda in one IN-query per table; the CSV and the JSON stream
the same columns (`streams`). The rows carry the attribute names of the models, so the writers
read them as they would read the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from facilitator.store import models
from facilitator.store.conditions import in_dates
from facilitator.store.models import SessionState

BATCH_SIZE = 200
"""Sessions per page read from the database."""

STREAM_ROWS = 2_000
"""Rows fetched from the cursor at a time by the streamed CSV query."""


def _table(model: Any) -> sa.Table:
    """A model's Core table: rows are read from it, no ORM objects are built."""
    return model.__table__  # type: ignore[no-any-return]


_SESSION_T, _GROUP_T, _ATTENDANCE_T, _PERSON_T = map(
    _table, (models.GroupSession, models.Group, models.Attendance, models.Participant)
)
_S, _G, _A, _P = _SESSION_T.c, _GROUP_T.c, _ATTENDANCE_T.c, _PERSON_T.c
_SESSIONS = _SESSION_T.join(_GROUP_T, _G.id == _S.group_id)
"""Sessions with their group (its name and zone are in every row)."""
_GROUP_COLUMNS = (_G.name.label("group_name"), _G.timezone)
_PERSON_COLUMNS = (_P.name, _P.external_id, _P.code)
"""Who an attendance record or a note is about, last in its row (no person: a group note)."""
_CSV_SESSION = ("id", "local_date", "curriculum_id", "topic_id", "topic_title", "facilitator")
"""What the CSV writes of a session."""
_SESSION_TIMES = ("started_at", "ended_at", "signed_at")
"""A session's times, read through the model's type as aware UTC (one row per session: the
per-value cost does not count)."""
_PAGE_SESSION = (*_CSV_SESSION, "curriculum_title", "signed_by", *_SESSION_TIMES)
"""What the JSON and the HTML show of a session."""


def _at(column: Any, raw: bool = False) -> Any:
    """A timestamp column read as the driver's naive UTC datetime (no per-value decorator;
    the writers take naive as UTC); `raw`: as the driver gives it, unparsed (SQLite's text,
    which `stamps.LocalIso` shows without building a datetime)."""
    return sa.type_coerce(column, sa.String() if raw else sa.DateTime()).label(column.name)


def _session_columns(names: tuple[str, ...]) -> tuple[Any, ...]:
    """A session's columns `names`, after its group's name and zone."""
    return (*_GROUP_COLUMNS, *(_S[name] for name in names))


def _word(column: Any) -> Any:
    """A status-like column read as its plain text (the enum's value, as the writers print it)."""
    return sa.type_coerce(column, sa.String()).label(column.name)


@dataclass(frozen=True)
class ExportFilter:
    """Which sessions to export: a group, an inclusive local-date range, live ones or not."""

    group: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    include_live: bool = False


class GroupOf(NamedTuple):
    """What the writers show of a session's group."""

    name: str
    timezone: str


@dataclass
class SessionLog:
    """One session with everything recorded about it: rows (export) or records (history)."""

    session: Any
    group: Any
    agenda: list[Any] = field(default_factory=list)
    breaks: list[Any] = field(default_factory=list)
    attendance: list[tuple[Any, Any]] = field(default_factory=list)
    notes: list[tuple[Any, Any]] = field(default_factory=list)
    addenda: list[Any] = field(default_factory=list)

    @property
    def timezone(self) -> str:
        """The group's time zone: every time is shown in it."""
        return str(self.group.timezone)


def person_key(name: str | None, external_id: str | None, code: str | None) -> tuple:
    """Sort order of people: the group note (no person) first, then name, external id, code."""
    if name is None:
        return (0, "", "", "")
    return (1, name.casefold(), external_id or "", code or "")


def _conditions(db: Session, filt: ExportFilter) -> list[Any]:
    """The WHERE conditions of the filter on the sessions' columns."""
    conditions: list[Any] = []
    if filt.group is not None:
        from facilitator.program.groups import get_group

        conditions.append(_S.group_id == get_group(db, filt.group).id)
    if filt.include_live:
        # A voided session was started by mistake: it is in no log, live or not.
        conditions.append(_S.state != SessionState.VOID.value)
    else:
        conditions.append(_S.state == SessionState.ENDED.value)
    return conditions + in_dates(_S.local_date, filt.date_from, filt.date_to)


def count_sessions(db: Session, filt: ExportFilter | None = None) -> int:
    """How many sessions an export with this filter would write (for a progress bar)."""
    query = (
        sa.select(sa.func.count())
        .select_from(_SESSIONS)
        .where(*_conditions(db, filt or ExportFilter()))
    )
    return int(db.connection().execute(query).scalar_one())


def _attendance_columns() -> tuple[Any, ...]:
    """What the HTML shows of an attendance record and its person (the person last)."""
    return (
        _word(_A.status), _at(_A.checked_in_at), _at(_A.checked_out_at), _A.minutes,
        _word(_A.method), _word(_A.modality), _A.craving, _A.mood, *_PERSON_COLUMNS,
    )  # fmt: skip


def _log_of(row: Any) -> SessionLog:
    """A session's log, its children still to come, from a row with its group's columns."""
    return SessionLog(session=row, group=GroupOf(row.group_name, row.timezone))


def iter_sessions(
    db: Session, filt: ExportFilter | None = None, *, batch_size: int = BATCH_SIZE
) -> Iterator[SessionLog]:
    """Every matching session with all the HTML shows, oldest first, in keyset pages."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    conn = db.connection()
    query = (
        sa.select(*_session_columns(_PAGE_SESSION))
        .select_from(_SESSIONS)
        .where(*_conditions(db, filt or ExportFilter()))
    )
    keys: dict[int, tuple] = {}
    after: tuple[dt.datetime, str] | None = None
    while True:
        page = query
        if after is not None:
            started, last_id = after
            page = page.where(
                sa.or_(_S.started_at > started, sa.and_(_S.started_at == started, _S.id > last_id))
            )
        rows = conn.execute(page.order_by(_S.started_at, _S.id).limit(batch_size)).all()
        if not rows:
            return
        logs = {row.id: _log_of(row) for row in rows}
        _children(conn, logs, keys)
        yield from logs.values()
        if len(rows) < batch_size:
            return
        after = (rows[-1].started_at, rows[-1].id)


def _all(conn: sa.Connection, query: Any) -> list[Any]:
    """Every row of a page's query, fetched at once (fetchall, not row by row)."""
    return conn.execute(query).all()


def _ordered_children(raw: bool) -> Iterator[tuple[str, Any, tuple[Any, ...], Any]]:
    """The children kept in stored order: (log field, table columns, columns read, order by)."""
    r, b, x = (_table(m).c for m in (models.AgendaRun, models.Break, models.Addendum))
    agenda = (r.title, r.kind, r.planned_minutes, *_times(r, raw), r.skipped)
    yield "agenda", r, agenda, r.position
    yield "breaks", b, _times(b, raw), b.started_at
    yield "addenda", x, (x.text, x.reason, x.author, _at(x.created_at, raw)), x.created_at


def _times(c: Any, raw: bool) -> tuple[Any, Any]:
    """A row's `started_at` and `ended_at`."""
    return _at(c.started_at, raw), _at(c.ended_at, raw)


def _children(conn: sa.Connection, logs: dict[str, SessionLog], keys: dict[int, tuple]) -> None:
    """A page's agenda, breaks, attendance, notes and addenda: one query per table, only the
    columns the HTML shows. `keys`: people's sort keys met so far, by id."""
    ids = list(logs)
    for name, c, columns, order in _ordered_children(raw=False):
        query = sa.select(c.session_id, *columns).where(c.session_id.in_(ids))
        for row in _all(conn, query.order_by(c.session_id, order, c.id)):
            getattr(logs[row.session_id], name).append(row)
    ranked: dict[str, list[tuple[tuple, int, Any]]] = {session: [] for session in ids}
    for row in _all(
        conn,
        sa.select(*_page_attendance())
        .join_from(_ATTENDANCE_T, _PERSON_T, _P.id == _A.participant_id)
        .where(_A.session_id.in_(ids)),
    ):
        key = keys.get(row[2])
        if key is None:
            key = keys[row[2]] = person_key(*row[-3:])
        ranked[row[0]].append((key, row[1], row))
    for note in _all(
        conn,
        sa.select(*_note_columns(raw=False))
        .outerjoin_from(_NOTE_T, _PERSON_T, _P.id == _N.participant_id)
        .where(_N.session_id.in_(ids)),
    ):
        logs[note.session_id].notes.append(note)
    for session, log in logs.items():
        _arrange(log, ranked[session])


def _page_attendance() -> tuple[Any, ...]:
    """The columns of an attendance row of a page: its session, its id, its person's id first."""
    return (_A.session_id, _A.id, _A.participant_id, *_attendance_columns())


_NOTE_T = _table(models.Note)
_N = _NOTE_T.c


def _note_columns(raw: bool) -> tuple[Any, ...]:
    """The columns of a note row of a log, its author's last (none: the group note); `raw`:
    times and `fields` as the driver gives them."""
    return (
        _N.session_id, _N.id, _N.text, _at(_N.created_at, raw), _N.format,
        _word(_N.fields) if raw else _N.fields,
        *_PERSON_COLUMNS,
    )  # fmt: skip


def _arrange(log: SessionLog, ranked: list[tuple[tuple, int, Any]]) -> None:
    """Attendance (`ranked`: (person key, id, row)) and notes (rows, as read) in log order:
    by person, the group note first, then by id."""
    ranked.sort()
    log.attendance = [(entry[2], entry[2]) for entry in ranked]
    log.notes.sort(key=lambda note: (person_key(*note[-3:]), note.id))
    log.notes = [(note, note if note.name is not None else None) for note in log.notes]
