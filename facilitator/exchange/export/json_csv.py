"""The JSON and CSV shapes of a session log (CONTRACT 7), written one session at a time."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from facilitator.common.text import safe_cell
from facilitator.common.timeutil import UTC, zone
from facilitator.exchange.export.rows import SessionLog
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


def local_iso(tz: str) -> Callable[[dt.datetime | None], str | None]:
    """`timeutil.iso` for one zone, looked up once: ISO 8601 to the second with the offset
    (a naive time is UTC)."""
    target = zone(tz)

    def show(value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(target).isoformat(timespec="seconds")

    return show


# --- JSON ---------------------------------------------------------------------------------------


def session_record(log: SessionLog) -> dict[str, Any]:
    """One session in the JSON export shape (CONTRACT 7)."""
    show = local_iso(log.timezone)
    s = log.session
    notes: list[dict[str, Any]] = []
    for note, author in log.notes:
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
            for row, person in log.attendance
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


def write_json(logs: Iterable[SessionLog], out: TextIO) -> int:
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


def minutes_text(minutes: float) -> str:
    """`180`, `87.5`, `12.33`: service minutes without trailing zeros."""
    return f"{round(float(minutes), 2):.2f}".rstrip("0").rstrip(".")


def _number(value: int | None) -> str:
    """A scale's answer in a cell; empty when not answered."""
    return "" if value is None else str(value)


def csv_rows(log: SessionLog, *, include_codes: bool = False) -> Iterator[list[str]]:
    """The CSV rows of one session: one per attendance record (codes only if asked)."""
    show = local_iso(log.timezone)
    s = log.session
    head = [
        safe_cell(cell)
        for cell in (
            s.id,
            s.local_date.isoformat(),
            log.group.name,
            s.curriculum_id,
            s.topic_id,
            s.topic_title,
            s.facilitator,
        )
    ]
    for row, person in log.attendance:
        # Only a person's own text can start like a formula; the rest is ours (words, digits).
        yield [
            *head,
            safe_cell(person.name),
            safe_cell(person.external_id),
            *([safe_cell(person.code)] if include_codes else []),
            row.status,
            show(row.checked_in_at),
            show(row.checked_out_at),
            minutes_text(row.minutes),
            row.method,
            row.modality,
            _number(row.craving),
            _number(row.mood),
        ]


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
    count = 0
    for log in logs:
        writer.writerows(csv_rows(log, include_codes=include_codes))
        count += 1
    return count
