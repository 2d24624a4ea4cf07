"""Reading a json export file: parse it, check every session, report every problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from facilitator.common.files import read_text
from facilitator.errors import ManyErrors, UserError
from facilitator.exchange.importer.schema import (
    Loc,
    SessionIn,
    format_loc,
    pydantic_problem,
    show_value,
)
from facilitator.program import codes
from facilitator.store.models import NOTE_FORMATS


def _read(path: Path) -> Any:
    """The file's JSON; a UserError naming the file (and line) when it cannot be read."""
    where = str(path)
    text = read_text(path, kind="a JSON file", empty="expected a JSON list of sessions")

    def reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed in JSON")

    try:
        return json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}:{exc.lineno}: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:
        raise UserError(f"{where}: {exc}") from None
    except RecursionError:
        raise UserError(f"{where}: nested too deeply") from None


def _consistency(s: SessionIn) -> Iterator[tuple[Loc, str]]:
    """Rules a single field cannot check: times in order, signatures, notes, duplicates."""
    if s.ended_at is None:
        yield ("ended_at",), "the session has not ended: only ended sessions can be imported"
    elif s.ended_at < s.started_at:
        yield ("ended_at",), "is before started_at"
    if (s.signed_by is None) != (s.signed_at is None):
        where = "signed_at" if s.signed_at is None else "signed_by"
        yield (where,), "signed_by and signed_at go together (both set, or both null)"
    if s.signed_by is not None and not s.signed_by.strip():
        yield ("signed_by",), "must not be empty"
    if s.addenda and s.signed_at is None:
        yield ("addenda",), "addenda belong to a signed session, and this one is not signed"
    for i, item in enumerate(s.agenda):
        if item.started_at and item.ended_at and item.ended_at < item.started_at:
            yield ("agenda", i, "ended_at"), "is before started_at"
    for i, brk in enumerate(s.breaks):
        if brk.ended_at and brk.ended_at < brk.started_at:
            yield ("breaks", i, "ended_at"), "is before started_at"
    seen_ids: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for i, row in enumerate(s.attendance):
        if row.checked_in_at and row.checked_out_at and row.checked_out_at < row.checked_in_at:
            yield ("attendance", i, "checked_out_at"), "is before checked_in_at"
        if row.code is not None:
            code = codes.normalise(row.code)
            if not codes.is_valid(code):
                yield ("attendance", i, "code"), f"{row.code!r} is not 4-16 letters and digits"
            elif code in seen_codes:
                yield (
                    ("attendance", i, "code"),
                    f"{row.code!r} is also at attendance[{seen_codes[code]}]",
                )
            else:
                seen_codes[code] = i
        if row.external_id is not None:
            if row.external_id in seen_ids:
                yield (
                    ("attendance", i, "external_id"),
                    f"{row.external_id!r} is also at attendance[{seen_ids[row.external_id]}]",
                )
            else:
                seen_ids[row.external_id] = i
    seen_notes: dict[str | None, int] = {}
    for i, note in enumerate(s.notes):
        key = note.participant.casefold() if note.participant is not None else None
        if key in seen_notes:
            whose = "the group note" if key is None else f"a note for {note.participant!r}"
            yield ("notes", i), f"{whose} is also at notes[{seen_notes[key]}]"
        else:
            seen_notes[key] = i
        if (note.format is None) != (note.fields is None):
            yield ("notes", i), "format and fields go together (both present, or neither)"
        elif note.format is not None:
            if note.participant is None:
                yield ("notes", i, "format"), "the group note has no format (member notes only)"
            headings = NOTE_FORMATS[note.format]
            for heading in note.fields or {}:
                if heading not in headings:
                    yield (
                        ("notes", i, "fields", heading),
                        f"{heading!r} is not a {note.format} heading ({', '.join(headings)})",
                    )


def read_sessions(path: Path) -> list[SessionIn]:
    """Every session in the file, checked; ManyErrors listing every problem if any."""
    path = Path(path)
    where = str(path)
    data = _read(path)
    if not isinstance(data, list):
        raise UserError(
            f"{where}: expected a JSON list of sessions (the json export), not {show_value(data)}"
        )
    problems: list[str] = []
    sessions: list[SessionIn] = []
    first_at: dict[str, int] = {}
    for index, raw in enumerate(data):
        data[index] = None  # the parsed dicts go as their models come (halves peak memory)
        try:
            session = SessionIn.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc, message = pydantic_problem(error)
                problems.append(f"{where}: {format_loc((index, *loc))}: {message}")
            continue
        for loc, message in _consistency(session):
            problems.append(f"{where}: {format_loc((index, *loc))}: {message}")
        if session.id in first_at:
            problems.append(
                f"{where}: {format_loc((index, 'id'))}: session {session.id} is also at "
                f"[{first_at[session.id]}]"
            )
        else:
            first_at[session.id] = index
        sessions.append(session)
    if problems:
        raise ManyErrors(problems)
    return sessions
