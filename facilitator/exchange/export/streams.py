"""The CSV and the JSON read as streams: one query per table, all in the sessions' order.

The sessions (oldest first) and each child table (joined to the sessions only for their order
and the filter) are each read by one query streamed from its cursor `rows.STREAM_ROWS` rows at
a time, and merged session by session as they come: no pages, no IN-lists, nothing held but the
session being written. Times are as the driver gives them (SQLite: text, which
`stamps.LocalIso` shows without building a datetime). The people an export meets are read once
(`people`), not joined into every attendance row.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from facilitator.exchange.export.rows import (
    _A,
    _ATTENDANCE_T,
    _CSV_SESSION,
    _GROUP_COLUMNS,
    _N,
    _NOTE_T,
    _P,
    _PAGE_SESSION,
    _PERSON_T,
    _S,
    _SESSION_T,
    _SESSION_TIMES,
    _SESSIONS,
    STREAM_ROWS,
    ExportFilter,
    SessionLog,
    _at,
    _conditions,
    _log_of,
    _note_columns,
    _ordered_children,
    _session_columns,
    _word,
    person_key,
)


class Person(NamedTuple):
    """Who an attendance record is about, as the writers show them."""

    name: str
    external_id: str | None
    code: str | None


ATTENDANCE_FIELDS: tuple[str, ...] = (
    "session_id", "id", "participant_id", "status", "checked_in_at", "checked_out_at", "minutes",
    "method", "modality", "craving", "mood", "order_at",
)  # fmt: skip
"""The columns of a streamed attendance row, in order (the writers unpack them); every streamed
child row ends with `order_at`, its session's start as the database orders it."""

_ORDER_AT = sa.type_coerce(_S.started_at, sa.String()).label("order_at")
_ORDER_KEY = itemgetter(-1, 0)
"""A streamed row's session in the sessions' order: (start, id)."""

_ATTENDANCE = (
    _A.session_id, _A.id, _A.participant_id, _word(_A.status), _at(_A.checked_in_at, raw=True),
    _at(_A.checked_out_at, raw=True), _A.minutes, _word(_A.method), _word(_A.modality),
    _A.craving, _A.mood,
)  # fmt: skip

CSV_SESSION_FIELDS: tuple[str, ...] = ("group_name", "timezone", *_CSV_SESSION)
"""The columns of a CSV session row, in order; `local_date` as the driver gives it."""


class _Streams:
    """One export's streamed queries on one connection, under one filter."""

    def __init__(self, db: Session, filt: ExportFilter) -> None:
        self.conn = db.connection()
        self.conditions = _conditions(db, filt)
        self.filt = filt

    def rows(self, columns: tuple[Any, ...], source: Any, *order: Any) -> Iterator[Any]:
        """The rows of one query in the sessions' order, streamed (`order_at` last)."""
        query = sa.select(*columns, _ORDER_AT).select_from(source).where(*self.conditions)
        query = query.order_by(_S.started_at, _S.id, *order)
        result = self.conn.execute(query.execution_options(yield_per=STREAM_ROWS))
        return itertools.chain.from_iterable(result.partitions())

    def by_session(self, source: Any, columns: tuple[Any, ...], *order: Any) -> Iterator[Any]:
        """A child table's rows (the session's id first), session by session: ((start, id),
        rows)."""
        source = source.join(_SESSION_T, _S.id == columns[0])
        for session, rows in itertools.groupby(self.rows(columns, source, *order), _ORDER_KEY):
            yield session, list(rows)

    def people(self) -> dict[int, tuple[tuple, Person]]:
        """Everyone the export's attendance is about: id → (sort key, person)."""
        query = sa.select(_P.id, _P.name, _P.external_id, _P.code)
        filt = self.filt
        if filt.group is not None or filt.date_from is not None or filt.date_to is not None:
            attending = sa.select(_A.participant_id).join(_SESSION_T, _S.id == _A.session_id)
            query = query.where(_P.id.in_(attending.where(*self.conditions)))
        return {
            row[0]: (person_key(*row[1:]), Person(*row[1:])) for row in self.conn.execute(query)
        }

    def merged(
        self, sessions: Iterator[Any], children: dict[str, Iterator[Any]]
    ) -> Iterator[SessionLog]:
        """Each session's log with its children's rows; attendance by person, then by id."""
        people = self.people()
        pending = {name: next(rows, None) for name, rows in children.items()}
        for session in sessions:
            log = _log_of(session)
            key = (session.order_at, session.id)
            for name, head in pending.items():
                # Each query sees the database as it was when it started: rows of a session
                # that was not yet (or no longer) one of the export's are passed over.
                while head is not None and head[0] < key:
                    head = next(children[name], None)
                if head is not None and head[0] == key:
                    setattr(log, name, head[1])
                    head = next(children[name], None)
                pending[name] = head
            ranked = []
            for row in log.attendance:
                key, person = people[row[2]]
                ranked.append((key, row[1], person, row))
            ranked.sort()  # (person key, record id) is unique: the rows are never compared
            log.attendance = [(entry[3], entry[2]) for entry in ranked]
            if log.notes:
                log.notes.sort(key=lambda note: (person_key(*note[-4:-1]), note.id))
                log.notes = [(n, n if n.name is not None else None) for n in log.notes]
            yield log


def csv_logs(db: Session, filt: ExportFilter) -> Iterator[SessionLog]:
    """Every matching session (`CSV_SESSION_FIELDS`) with its attendance: (row, person) pairs,
    rows of `ATTENDANCE_FIELDS`; oldest first."""
    streams = _Streams(db, filt)
    columns = (*_GROUP_COLUMNS, _S.id, _word(_S.local_date), *(_S[n] for n in _CSV_SESSION[2:]))
    attendance = streams.by_session(_ATTENDANCE_T, _ATTENDANCE)
    return streams.merged(streams.rows(columns, _SESSIONS), {"attendance": attendance})


def json_logs(db: Session, filt: ExportFilter) -> Iterator[SessionLog]:
    """Every matching session with all the JSON shows, oldest first; attendance as in
    `csv_logs`, the other children as `rows.iter_sessions` reads them."""
    streams = _Streams(db, filt)
    times = (_at(_S[name], raw=True) for name in _SESSION_TIMES)
    columns = (*_session_columns(_PAGE_SESSION[: -len(_SESSION_TIMES)]), *times)
    children = {
        name: streams.by_session(c.session_id.table, (c.session_id, *columns), order, c.id)
        for name, c, columns, order in _ordered_children(raw=True)
    }
    children["attendance"] = streams.by_session(_ATTENDANCE_T, _ATTENDANCE)
    children["notes"] = streams.by_session(
        _NOTE_T.outerjoin(_PERSON_T, _P.id == _N.participant_id), _note_columns(raw=True)
    )
    return streams.merged(streams.rows(columns, _SESSIONS), children)
