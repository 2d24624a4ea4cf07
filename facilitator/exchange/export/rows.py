"""Session logs for the CSV and JSON exports as plain Core rows of only the columns they write.

No ORM objects: each table is read with `select(table.c.col, ...)` through the session's
connection. The CSV is one query (sessions ⟕ attendance ⋈ participants, oldest session first)
streamed from the cursor `STREAM_ROWS` rows at a time; the JSON reads sessions in keyset pages of
`batch_size` and each page's agenda, breaks, attendance, notes and addenda in one IN-query per
table, never the agenda's prompt text. The rows carry the attribute names of the models, so the
writers in `json_csv` read them as they read a `SessionLog`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from facilitator.exchange.export.loading import ExportFilter, session_conditions
from facilitator.store.models import (
    Addendum,
    AgendaRun,
    Attendance,
    Break,
    Group,
    GroupSession,
    Note,
    Participant,
)

STREAM_ROWS = 2_000
"""Rows fetched from the cursor at a time by the streamed CSV query."""

_S = GroupSession.__table__.c  # type: ignore[attr-defined]
_A = Attendance.__table__.c  # type: ignore[attr-defined]
_P = Participant.__table__.c  # type: ignore[attr-defined]
_G = Group.__table__.c  # type: ignore[attr-defined]
_SESSIONS = GroupSession.__table__.join(Group.__table__, _G.id == _S.group_id)  # type: ignore[attr-defined]
"""Sessions with their group (its name and zone are in every row)."""
_GROUP_COLUMNS = (_G.name.label("group_name"), _G.timezone)


def _at(column: Any) -> Any:
    """A timestamp column read as the driver's naive UTC datetime (no per-value decorator;
    the writers take naive as UTC)."""
    return sa.type_coerce(column, sa.DateTime()).label(column.name)


def _word(column: Any) -> Any:
    """A status-like column read as its plain text (the enum's value, as the writers print it)."""
    return sa.type_coerce(column, sa.String()).label(column.name)


class GroupOf(NamedTuple):
    """What the writers show of a session's group."""

    name: str
    timezone: str


@dataclass
class RowLog:
    """One session as Core rows: the same attributes the writers read of a `SessionLog`."""

    session: Any
    group: GroupOf
    agenda: list[Any] = field(default_factory=list)
    breaks: list[Any] = field(default_factory=list)
    attendance: list[tuple[Any, Any]] = field(default_factory=list)
    notes: list[tuple[Any, Any]] = field(default_factory=list)
    addenda: list[Any] = field(default_factory=list)

    @property
    def timezone(self) -> str:
        """The group's time zone: every time is shown in it."""
        return self.group.timezone


def _attendance_columns() -> tuple[Any, ...]:
    """What both formats write of an attendance record and its person (the person last)."""
    return (
        _word(_A.status), _at(_A.checked_in_at), _at(_A.checked_out_at), _A.minutes,
        _word(_A.method), _word(_A.modality), _A.craving, _A.mood, _P.name, _P.external_id,
        _P.code,
    )  # fmt: skip


def _person_key(name: str | None, external_id: str | None, code: str | None) -> tuple:
    """Sort order of people: the group note (no person) first, then name, external id, code."""
    if name is None:
        return (0, "", "", "")
    return (1, name.casefold(), external_id or "", code or "")


def csv_logs(db: Session, filt: ExportFilter) -> Iterator[RowLog]:
    """Every matching session with its attendance (a row carries the session's columns too),
    oldest first, from one streamed query."""
    query = (
        sa.select(
            *_GROUP_COLUMNS,
            _S.id,
            _S.local_date,
            _S.curriculum_id,
            _S.topic_id,
            _S.topic_title,
            _S.facilitator,
            _A.id.label("row_id"),
            *_attendance_columns(),
        )
        .select_from(
            _SESSIONS.outerjoin(Attendance.__table__, _A.session_id == _S.id).outerjoin(  # type: ignore[attr-defined]
                Participant.__table__,  # type: ignore[attr-defined]
                _P.id == _A.participant_id,
            )
        )
        .where(*session_conditions(db, filt, _S))
        .order_by(_S.started_at, _S.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    log: RowLog | None = None
    for row in db.connection().execute(query):
        if log is None or log.session.id != row.id:
            if log is not None:
                yield _sorted(log)
            log = RowLog(session=row, group=GroupOf(row.group_name, row.timezone))
        if row.row_id is not None:
            log.attendance.append((row, row))
    if log is not None:
        yield _sorted(log)


def _sorted(log: RowLog) -> RowLog:
    """Attendance by person (in Python, so the order is the same on SQLite and PostgreSQL)."""
    log.attendance.sort(key=lambda pair: (_person_key(*pair[1][-3:]), pair[0].row_id))
    return log


def json_logs(db: Session, filt: ExportFilter, *, batch_size: int) -> Iterator[RowLog]:
    """Every matching session with everything the JSON writes, oldest first, in keyset pages."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    conn = db.connection()
    columns = (
        _S.id,
        _S.curriculum_id,
        _S.topic_id,
        _S.facilitator,
        _at(_S.started_at),
        _at(_S.ended_at),
    )
    query = (
        sa.select(*_GROUP_COLUMNS, *columns, _S.signed_by, _at(_S.signed_at))
        .select_from(_SESSIONS)
        .where(*session_conditions(db, filt, _S))
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
        logs = {
            row.id: RowLog(session=row, group=GroupOf(row.group_name, row.timezone)) for row in rows
        }
        _children(conn, logs)
        yield from logs.values()
        if len(rows) < batch_size:
            return
        last = rows[-1].started_at
        after = (last if last.tzinfo else last.replace(tzinfo=dt.UTC), rows[-1].id)


def _all(conn: sa.Connection, query: Any) -> list[Any]:
    """Every row of a page's query, fetched at once (fetchall, not row by row)."""
    return conn.execute(query).all()


def _children(conn: sa.Connection, logs: dict[str, RowLog]) -> None:
    """A page's agenda, breaks, attendance, notes and addenda: one query per table, only the
    columns the JSON writes."""
    ids = list(logs)
    r = AgendaRun.__table__.c  # type: ignore[attr-defined]
    for item in _all(
        conn,
        sa.select(
            r.session_id,
            r.title,
            r.kind,
            r.planned_minutes,
            _at(r.started_at),
            _at(r.ended_at),
            r.skipped,
        )
        .where(r.session_id.in_(ids))
        .order_by(r.session_id, r.position, r.id),
    ):
        logs[item.session_id].agenda.append(item)
    b = Break.__table__.c  # type: ignore[attr-defined]
    for brk in _all(
        conn,
        sa.select(b.session_id, _at(b.started_at), _at(b.ended_at))
        .where(b.session_id.in_(ids))
        .order_by(b.session_id, b.started_at, b.id),
    ):
        logs[brk.session_id].breaks.append(brk)
    for row in _all(
        conn,
        sa.select(
            _A.session_id,
            _A.id,
            *_attendance_columns(),
        )
        .join_from(Attendance.__table__, Participant.__table__, _P.id == _A.participant_id)  # type: ignore[attr-defined]
        .where(_A.session_id.in_(ids)),
    ):
        logs[row.session_id].attendance.append((row, row))
    n = Note.__table__.c  # type: ignore[attr-defined]
    for note in _all(
        conn,
        sa.select(
            n.session_id,
            n.id,
            n.text,
            _at(n.created_at),
            n.format,
            n.fields,
            _P.name,
            _P.external_id,
            _P.code,
        )
        .outerjoin_from(Note.__table__, Participant.__table__, _P.id == n.participant_id)  # type: ignore[attr-defined]
        .where(n.session_id.in_(ids)),
    ):
        logs[note.session_id].notes.append((note, note if note.name is not None else None))
    x = Addendum.__table__.c  # type: ignore[attr-defined]
    for addendum in _all(
        conn,
        sa.select(x.session_id, x.text, x.reason, x.author, _at(x.created_at))
        .where(x.session_id.in_(ids))
        .order_by(x.session_id, x.created_at, x.id),
    ):
        logs[addendum.session_id].addenda.append(addendum)
    for log in logs.values():
        log.attendance.sort(key=lambda pair: (_person_key(*pair[1][-3:]), pair[0].id))
        log.notes.sort(key=lambda pair: (_person_key(*pair[0][-3:]), pair[0].id))
