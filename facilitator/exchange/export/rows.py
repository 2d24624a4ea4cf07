"""Session logs for every export format as plain Core rows of only the columns they write.

No ORM objects: each table is read with `select(table.c.col, ...)` through the session's
connection. The CSV is one query (sessions ⟕ attendance ⋈ participants, oldest session first)
streamed from the cursor `STREAM_ROWS` rows at a time; the JSON and the HTML read sessions in
keyset pages of `batch_size` (`iter_sessions`) and each page's agenda, breaks, attendance, notes
and addenda in one IN-query per table, never the agenda's prompt text. The rows carry the
attribute names of the models, so the writers read them as they would read the records.
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


def _at(column: Any) -> Any:
    """A timestamp column read as the driver's naive UTC datetime (no per-value decorator;
    the writers take naive as UTC)."""
    return sa.type_coerce(column, sa.DateTime()).label(column.name)


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
    """What both formats write of an attendance record and its person (the person last)."""
    return (
        _word(_A.status), _at(_A.checked_in_at), _at(_A.checked_out_at), _A.minutes,
        _word(_A.method), _word(_A.modality), _A.craving, _A.mood, *_PERSON_COLUMNS,
    )  # fmt: skip


def csv_logs(db: Session, filt: ExportFilter) -> Iterator[SessionLog]:
    """Every matching session with its attendance (a row carries the session's columns too),
    oldest first, from one streamed query."""
    query = (
        sa.select(*_session_columns(_CSV_SESSION), _A.id.label("row_id"), *_attendance_columns())
        .select_from(
            _SESSIONS.outerjoin(_ATTENDANCE_T, _A.session_id == _S.id).outerjoin(
                _PERSON_T, _P.id == _A.participant_id
            )
        )
        .where(*_conditions(db, filt))
        .order_by(_S.started_at, _S.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    log: SessionLog | None = None
    for row in db.connection().execute(query):
        if log is None or log.session.id != row.id:
            if log is not None:
                yield _sorted(log)
            log = _log_of(row)
        if row.row_id is not None:
            log.attendance.append((row, row))
    if log is not None:
        yield _sorted(log)


def _sorted(log: SessionLog) -> SessionLog:
    """Attendance by person (in Python, so the order is the same on SQLite and PostgreSQL)."""
    log.attendance.sort(key=lambda pair: (person_key(*pair[1][-3:]), pair[0].row_id))
    return log


def _log_of(row: Any) -> SessionLog:
    """A session's log, its children still to come, from a row with its group's columns."""
    return SessionLog(session=row, group=GroupOf(row.group_name, row.timezone))


def iter_sessions(
    db: Session, filt: ExportFilter | None = None, *, batch_size: int = BATCH_SIZE
) -> Iterator[SessionLog]:
    """Every matching session with all the JSON and HTML show, oldest first, in keyset pages."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    conn = db.connection()
    query = (
        sa.select(*_session_columns(_PAGE_SESSION))
        .select_from(_SESSIONS)
        .where(*_conditions(db, filt or ExportFilter()))
    )
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
        _children(conn, logs)
        yield from logs.values()
        if len(rows) < batch_size:
            return
        after = (rows[-1].started_at, rows[-1].id)


def _all(conn: sa.Connection, query: Any) -> list[Any]:
    """Every row of a page's query, fetched at once (fetchall, not row by row)."""
    return conn.execute(query).all()


def _ordered_children() -> Iterator[tuple[str, Any, tuple[Any, ...], Any]]:
    """The children kept in stored order: (log field, table columns, columns read, order by)."""
    r, b, x = (_table(m).c for m in (models.AgendaRun, models.Break, models.Addendum))
    yield "agenda", r, (r.title, r.kind, r.planned_minutes, *_times(r), r.skipped), r.position
    yield "breaks", b, _times(b), b.started_at
    yield "addenda", x, (x.text, x.reason, x.author, _at(x.created_at)), x.created_at


def _times(c: Any) -> tuple[Any, Any]:
    """A row's `started_at` and `ended_at`."""
    return _at(c.started_at), _at(c.ended_at)


def _children(conn: sa.Connection, logs: dict[str, SessionLog]) -> None:
    """A page's agenda, breaks, attendance, notes and addenda: one query per table, only the
    columns the JSON and the HTML show."""
    ids = list(logs)
    for name, c, columns, order in _ordered_children():
        query = sa.select(c.session_id, *columns).where(c.session_id.in_(ids))
        for row in _all(conn, query.order_by(c.session_id, order, c.id)):
            getattr(logs[row.session_id], name).append(row)
    for row in _all(
        conn,
        sa.select(_A.session_id, _A.id, *_attendance_columns())
        .join_from(_ATTENDANCE_T, _PERSON_T, _P.id == _A.participant_id)
        .where(_A.session_id.in_(ids)),
    ):
        logs[row.session_id].attendance.append((row, row))
    note_t = _table(models.Note)
    n = note_t.c
    for note in _all(
        conn,
        sa.select(n.session_id, n.id, n.text, _at(n.created_at), n.format, n.fields)
        .add_columns(*_PERSON_COLUMNS)
        .outerjoin_from(note_t, _PERSON_T, _P.id == n.participant_id)
        .where(n.session_id.in_(ids)),
    ):
        logs[note.session_id].notes.append((note, note if note.name is not None else None))
    for log in logs.values():
        log.attendance.sort(key=lambda pair: (person_key(*pair[1][-3:]), pair[0].id))
        log.notes.sort(key=lambda pair: (person_key(*pair[0][-3:]), pair[0].id))
