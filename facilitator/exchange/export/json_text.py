"""The JSON export's text, fast: `json.dumps(session_record(log))` without building most of it.

Attendance entries and notes (nearly all of a log) are filled into templates from values cached
across sessions (people, words, minutes, answers); the rest of a session goes through
`json.dumps`. A note's `fields` as SQLite stores them (`json.dumps` text, no escapes) are
written as they are when they are exactly what `json.dumps` of their dict would write again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, TextIO

from facilitator.exchange.export.rows import SessionLog
from facilitator.exchange.export.stamps import LocalIso
from facilitator.session.scales import answers_of

_PERSON_JSON = '{"name": %s, "external_id": %s, "code": %s, '
_RECORD_JSON = (
    '"status": %s, "checked_in_at": %s, "checked_out_at": %s, "minutes": %s, "method": %s, '
    '"modality": %s, "scales": %s}'
)
"""An attendance entry of `session_record` as text: the person's part, then the record's."""


_NOTE_JSON = '{"text": %s, "created_at": %s, "participant": %s'
_FORMAT_JSON = ', "format": %s, "fields": %s'
"""A note entry as text: `format` and `fields` only for a note kept in a format."""


_ESCAPED = re.compile(r"[\x00-\x1f\\]")


def _canonical(text: str) -> bool:
    """Whether stored JSON text is a flat object of strings exactly as `json.dumps` writes it
    (no escapes, `": "` and `", "` between, no key twice): then it is its own re-encoding."""
    if _ESCAPED.search(text):
        return False  # an escape (or a raw control character, which json.loads refuses)
    parts = text.split('"')
    if len(parts) % 4 != 1 or parts[0] != "{" or parts[-1] != "}":
        return text == "{}"
    between = parts[2:-1:2]
    if not set(between[::2]) <= {": "} or not set(between[1::2]) <= {", "}:
        return False
    keys = parts[1::4]
    return len(set(keys)) == len(keys)


def _fields_text(fields: Any) -> str:
    """A note's `fields` as the export writes them (`json.dumps(dict(fields or {}))`)."""
    if isinstance(fields, str):
        if _canonical(fields):
            return fields
        fields = json.loads(fields)
    return _dumps(dict(fields or {}))


def _dumps(value: Any) -> str:
    """JSON text of one value, as the export writes it."""
    return json.dumps(value, ensure_ascii=False)


def _text(value: Any) -> str:
    """JSON text of a stored string or None (the encoder's own string step, called directly)."""
    if value is None:
        return "null"
    return encode_basestring(value) if type(value) is str else _dumps(value)


_AGENDA_JSON = '{"title": %s, "kind": %s, "planned_minutes": %s, "started_at": '
_BREAK_JSON = '{"started_at": %s, "ended_at": %s}'
_ADDENDUM_JSON = '{"text": %s, "reason": %s, "author": %s, "created_at": %s}'
_SESSION_JSON = (
    '{"id": %s, "group": %s, "curriculum": %s, "topic": %s, "facilitator": %s, '
    '"started_at": %s, "ended_at": %s, "agenda": [%s], "breaks": [%s], "attendance": [%s], '
    '"notes": [%s], "addenda": [%s], "signed_by": %s, "signed_at": %s}'
)
"""A session as text, its keys in `json_csv.JSON_KEYS` order, and its parts."""


class JsonText:
    """`session_record` as JSON text, fast: agenda, breaks, attendance and notes (nearly all of
    a log) are filled into templates from values cached across sessions (people, agenda items,
    words, minutes, answers)."""

    def __init__(self) -> None:
        self._zones: dict[str, LocalIso] = {}
        self._people: dict[int, str] = {}
        self._items: dict[tuple[Any, ...], str] = {}
        self._values: dict[Any, str] = {None: "null"}
        self._scales: dict[tuple[int | None, int | None], str] = {}

    def _zone(self, tz: str) -> LocalIso:
        """The zone's times as JSON text, kept for the whole export (its cache of hours too)."""
        time = self._zones.get(tz)
        if time is None:
            time = self._zones[tz] = LocalIso(tz, quoted=True)
        return time

    def _value(self, value: Any) -> str:
        """JSON text of a word or a number that recurs (status, method, minutes)."""
        try:
            return self._values[value]
        except KeyError:
            text = self._values[value] = _dumps(value)
            return text

    def _agenda(self, log: SessionLog, time: Any) -> Iterator[str]:
        """The session's agenda items (rows: `rows._ordered_children`)."""
        items = self._items
        for _s, title, kind, planned, started, ended, skipped, _order in log.agenda:
            item = items.get((title, kind, planned))
            if item is None:
                item = items[title, kind, planned] = _AGENDA_JSON % tuple(
                    map(_dumps, (title, kind, planned))
                )
            yield (
                f'{item}{time(started)}, "ended_at": {time(ended)}, "skipped": '
                + ("true" if skipped else "false")
                + "}"
            )

    def _attendance(self, log: SessionLog, time: Any) -> Iterator[str]:
        """The session's attendance entries (rows: `streams.ATTENDANCE_FIELDS`)."""
        people, scales, values, value = self._people, self._scales, self._values, self._value
        for row, who in log.attendance:
            (_s, _id, person_id, status, checked_in, checked_out, minutes, method, modality,
             craving, mood, _order) = row  # fmt: skip
            person = people.get(person_id)
            if person is None:
                person = people[person_id] = _PERSON_JSON % tuple(map(_dumps, who))
            answers = scales.get((craving, mood))
            if answers is None:
                answers = scales[craving, mood] = _dumps(answers_of(row))
            minutes = float(minutes)
            yield person + _RECORD_JSON % (
                values.get(status) or value(status),
                time(checked_in),
                time(checked_out),
                values.get(minutes) or value(minutes),
                values.get(method) or value(method),
                values.get(modality) or value(modality),
                answers,
            )

    def _notes(self, log: SessionLog, time: Any) -> Iterator[str]:
        """The session's notes (rows: `rows._note_columns`, `fields` as stored)."""
        value = self._value
        for note, _author in log.notes:
            entry = _NOTE_JSON % (_text(note.text), time(note.created_at), _text(note.name))
            if note.format:
                entry += _FORMAT_JSON % (value(note.format), _fields_text(note.fields))
            yield entry + "}"

    def __call__(self, log: SessionLog) -> str:
        """One session's JSON text: the same as `json.dumps(session_record(log))`."""
        time = self._zone(log.timezone)
        s = log.session
        head = (s.id, log.group.name, s.curriculum_id, s.topic_id, s.facilitator)
        addenda = (
            _ADDENDUM_JSON % (_text(a.text), _text(a.reason), _text(a.author), time(a.created_at))
            for a in log.addenda
        )
        breaks = (_BREAK_JSON % (time(b.started_at), time(b.ended_at)) for b in log.breaks)
        return _SESSION_JSON % (
            *map(_text, head),
            time(s.started_at),
            time(s.ended_at),
            ", ".join(self._agenda(log, time)),
            ", ".join(breaks),
            ", ".join(self._attendance(log, time)),
            ", ".join(self._notes(log, time)),
            ", ".join(addenda),
            _text(s.signed_by),
            time(s.signed_at),
        )


def write_json(logs: Iterable[SessionLog], out: TextIO) -> int:
    """A JSON list of sessions, one per line, each written as soon as it is built."""
    count = 0
    text = JsonText()
    for log in logs:
        # Compact (an indented dump is several times slower), one session a line.
        out.write(("[\n" if count == 0 else ",\n") + text(log))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count
