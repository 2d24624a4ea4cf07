"""The JSON and CSV shapes of a session log (CONTRACT 7), written one session at a time."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from facilitator.common.text import safe_cell
from facilitator.exchange.export.rows import SessionLog
from facilitator.exchange.export.stamps import LocalIso
from facilitator.session.scales import answers_of

CSV_COLUMNS_WITH_CODES: tuple[str, ...] = (
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
    "modality",
    "craving",
    "mood",
)
"""The CSV header with `--include-codes`, in order."""

CSV_COLUMNS: tuple[str, ...] = tuple(c for c in CSV_COLUMNS_WITH_CODES if c != "code")
"""The CSV header, in order: a check-in code works as a credential, so it is left out."""

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


def local_iso(tz: str) -> LocalIso:
    """`timeutil.iso` for one zone, for many values (stored text or datetime; naive is UTC):
    ISO 8601 to the second with the offset, None for None."""
    return LocalIso(tz)


# --- JSON ---------------------------------------------------------------------------------------


def session_record(
    log: SessionLog, show: LocalIso | None = None, *, children: bool = True
) -> dict[str, Any]:
    """One session in the JSON export shape (CONTRACT 7); without `children`, its attendance
    and notes are left empty (`json_text` writes them)."""
    show = show or local_iso(log.timezone)
    s = log.session
    notes: list[dict[str, Any]] = []
    for note, author in log.notes if children else ():
        entry: dict[str, Any] = {
            "text": note.text,
            "created_at": show(note.created_at),
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
        "started_at": show(s.started_at),
        "ended_at": show(s.ended_at),
        "agenda": [
            {
                "title": item.title,
                "kind": item.kind,
                "planned_minutes": item.planned_minutes,
                "started_at": show(item.started_at),
                "ended_at": show(item.ended_at),
                "skipped": bool(item.skipped),
            }
            for item in log.agenda
        ],
        "breaks": [
            {"started_at": show(brk.started_at), "ended_at": show(brk.ended_at)}
            for brk in log.breaks
        ],
        "attendance": [
            {
                "name": person.name,
                "external_id": person.external_id,
                "code": person.code,
                "status": row.status,
                "checked_in_at": show(row.checked_in_at),
                "checked_out_at": show(row.checked_out_at),
                "minutes": float(row.minutes),
                "method": row.method,
                "modality": row.modality,
                "scales": answers_of(row),
            }
            for row, person in (log.attendance if children else ())
        ],
        "notes": notes,
        "addenda": [
            {
                "text": a.text,
                "reason": a.reason,
                "author": a.author,
                "created_at": show(a.created_at),
            }
            for a in log.addenda
        ],
        "signed_by": s.signed_by,
        "signed_at": show(s.signed_at),
    }


# --- CSV ----------------------------------------------------------------------------------------


def minutes_text(minutes: float) -> str:
    """`180`, `87.5`, `12.33`: service minutes without trailing zeros."""
    return f"{round(float(minutes), 2):.2f}".rstrip("0").rstrip(".")


def _date_text(value: Any) -> str:
    """A session's local date as `YYYY-MM-DD` (SQLite gives it as that text already)."""
    return value if isinstance(value, str) else value.isoformat()


class _Echo:
    """A file for `csv.writer` whose `write` gives the line back: `writerow` then returns it."""

    def write(self, text: str) -> str:
        return text


class CsvRows:
    """The CSV text of session after session (`streams.csv_logs`), with what recurs worked out
    once: each session's cells and each person's (as CSV text: a row's cells are quoted one by
    one, so a line is the session's text, the person's and the record's), minutes, each zone's
    hours."""

    def __init__(self, *, include_codes: bool = False) -> None:
        self.include_codes = include_codes
        self._line = csv.writer(_Echo(), lineterminator="\r\n").writerow
        self._zones: dict[str, LocalIso] = {}
        self._people: dict[int, str] = {}
        self._minutes: dict[float, str] = {}

    def _cells(self, cells: Iterable[Any]) -> str:
        """Leading cells of a line as CSV text, with the comma after them; only a person's or
        a session's own text can start like a formula, the rest is ours (words, digits)."""
        return self._line(tuple(map(safe_cell, cells)))[:-2] + ","

    def __call__(self, log: SessionLog) -> str:
        """One session's lines: one per attendance record (codes only if asked). None and
        numbers are left to `csv.writer` (which writes them as '' and as `str` does)."""
        s = log.session
        show = self._zones.get(log.timezone)
        if show is None:
            show = self._zones[log.timezone] = LocalIso(log.timezone)
        head = self._cells((s[2], _date_text(s[3]), log.group.name, s[4], s[5], s[6], s[7]))
        people, minutes_of, line = self._people, self._minutes, self._line
        lines = []
        for row, who in log.attendance:
            (_s, _id, person_id, status, checked_in, checked_out, minutes, method, modality,
             craving, mood, _order) = row  # fmt: skip
            person = people.get(person_id)
            if person is None:
                person = people[person_id] = self._cells(who if self.include_codes else who[:2])
            shown = minutes_of.get(minutes)
            if shown is None:
                shown = minutes_of[minutes] = minutes_text(minutes)
            record = (status, show(checked_in), show(checked_out), shown, method, modality)
            lines.append(head + person + line((*record, craving, mood)))
        return "".join(lines)


def csv_text(log: SessionLog, *, include_codes: bool = False) -> str:
    """The CSV lines of one session: one per attendance record (codes only if asked)."""
    return CsvRows(include_codes=include_codes)(log)


def write_csv(
    logs: Iterable[SessionLog],
    out: TextIO,
    *,
    bom: bool = False,
    include_codes: bool = False,
) -> int:
    """One row per attendance record under a header (header only if none); returns sessions."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS_WITH_CODES if include_codes else CSV_COLUMNS)
    text = CsvRows(include_codes=include_codes)
    count = 0
    for log in logs:
        out.write(text(log))
        count += 1
    return count
