"""Import session logs in the `json` export format (CONTRACT 7).

Moving records between laptops, into a clinic server, or from earlier records. The whole file is
checked first (strict pydantic models plus consistency rules) and every problem is reported with
its place, `FILE: [3].attendance[2].status: ...` (indexes count from 0, as in `jq '.[3]'`); bad
JSON is `FILE:LINE: ...`. Nothing is written unless the whole file is good, and everything is
written in the caller's one transaction.

Rules and choices:

- Idempotent by session `id`: a session already in the database is skipped, so importing a file
  twice adds nothing. Only ended sessions can be imported (a live one is still changing).
- A group missing from the database is created. Its time zone is guessed from the offsets in the
  file: the machine's zone if every offset fits it, else the first of a short list of common zones
  (US zones first), then any IANA zone, that fits them all; if none fits, the machine's zone.
  Each session keeps the local date its own offsets give.
- A member is matched by `external_id` (anywhere in the database), else by `code` among the
  group's members, else by name (ignoring case) among the group's members, and created if none
  matches, joining on the date of their first imported session. A new member keeps the recorded
  code unless it is missing or already someone else's; then a code is generated.
- `curriculum` and `topic` are kept as recorded, installed or not; titles are filled in from an
  installed curriculum when there is one. Signed sessions stay signed, with their addenda; notes
  keep `created_at`; attendance keeps its recorded service minutes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import uuid
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)
from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, select

from facilitator import codes
from facilitator.attendance import audit
from facilitator.curriculum import KINDS, Kind
from facilitator.errors import ManyErrors, UserError
from facilitator.models import (
    NOTE_FORMATS,
    Addendum,
    AgendaRun,
    Attendance,
    Break,
    Group,
    GroupSession,
    Membership,
    Method,
    Note,
    Participant,
    SessionState,
    Status,
)
from facilitator.roster import MAX_NAME
from facilitator.timeutil import machine_timezone

MAX_TEXT = 100_000
"""The longest note or addendum text accepted."""

INSERT_CHUNK = 1000
"""Rows per bulk INSERT statement."""

SESSIONS_PER_WRITE = 500
"""Sessions whose rows are built before they are written (bounds the memory used)."""

COMMON_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Halifax",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "UTC",
)
"""Zones tried, in order, when a new group's time zone is guessed from offsets."""

STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
METHODS: tuple[str, ...] = tuple(m.value for m in Method)
FORMATS: tuple[str, ...] = tuple(NOTE_FORMATS)


# --- the file format, strictly ------------------------------------------------------------------


def _no_nul(value: str) -> str:
    """PostgreSQL cannot store NUL characters in text; nobody types them."""
    if "\x00" in value:
        raise PydanticCustomError("nul", "contains a NUL character")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _instant(value: Any) -> Any:
    """An ISO 8601 time with a UTC offset, e.g. 2026-11-16T09:00:00-06:00."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "instant", "must be an ISO 8601 time in quotes, not {value}", {"value": _show(value)}
        )
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "instant",
            "{value} is not an ISO 8601 time (like 2026-11-16T09:00:00-06:00)",
            {"value": _show(value)},
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError(
            "instant",
            "{value} has no UTC offset (like 2026-11-16T09:00:00-06:00)",
            {"value": _show(value)},
        )
    return parsed


def _session_id(value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise PydanticCustomError(
            "uuid", "{value} is not a UUID", {"value": _show(value)}
        ) from None
    return str(parsed)


Text = Annotated[StrictStr, Field(max_length=MAX_TEXT), AfterValidator(_no_nul)]
Line = Annotated[StrictStr, Field(max_length=200), AfterValidator(_no_nul)]
Required = Annotated[
    StrictStr, Field(max_length=200), AfterValidator(_no_nul), AfterValidator(_not_blank)
]
LongRequired = Annotated[
    StrictStr, Field(max_length=MAX_TEXT), AfterValidator(_no_nul), AfterValidator(_not_blank)
]
Name = Annotated[
    StrictStr, Field(max_length=MAX_NAME), AfterValidator(_no_nul), AfterValidator(_not_blank)
]
When = Annotated[dt.datetime, BeforeValidator(_instant)]
Minutes = Annotated[StrictInt, Field(ge=0, le=1440)]
ServiceMinutes = Annotated[float, Field(ge=0, le=1440, allow_inf_nan=False)]
StatusName = Literal["present", "late", "excused", "absent", "left_early"]
MethodName = Literal["phone", "code", "manual", "walk-in"]
FormatName = Literal["DAP", "BIRP", "GIRP", "SOAP"]


class _In(BaseModel):
    """Unknown keys are errors; no coercion (a number is not a string, 1 is not true)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AgendaIn(_In):
    """One agenda item as it ran."""

    title: Required
    kind: Kind
    planned_minutes: Minutes
    started_at: When | None
    ended_at: When | None
    skipped: StrictBool


class BreakIn(_In):
    """One break."""

    started_at: When
    ended_at: When | None


class AttendanceIn(_In):
    """One member's attendance."""

    name: Name
    external_id: Annotated[StrictStr, Field(max_length=64), AfterValidator(_no_nul)] | None
    code: Annotated[StrictStr, Field(max_length=40), AfterValidator(_no_nul)] | None
    status: StatusName
    checked_in_at: When | None
    checked_out_at: When | None
    minutes: ServiceMinutes
    method: MethodName | None


class NoteIn(_In):
    """The group note (participant null) or a member's note; `format`/`fields` when kept in one."""

    text: Text
    created_at: When
    participant: Name | None
    format: FormatName | None = None
    fields: dict[Line, Text] | None = None


class AddendumIn(_In):
    """A correction to a signed record."""

    text: LongRequired
    reason: Annotated[
        StrictStr, Field(max_length=2000), AfterValidator(_no_nul), AfterValidator(_not_blank)
    ]
    author: Required
    created_at: When


class SessionIn(_In):
    """One session of the json export."""

    id: Annotated[StrictStr, AfterValidator(_session_id)]
    group: Required
    curriculum: Line | None
    topic: Line | None
    facilitator: Line
    started_at: When
    ended_at: When | None
    agenda: list[AgendaIn]
    breaks: list[BreakIn]
    attendance: list[AttendanceIn]
    notes: list[NoteIn]
    addenda: list[AddendumIn]
    signed_by: Line | None
    signed_at: When | None


_MODELS: dict[str, type[_In]] = {
    "agenda": AgendaIn,
    "breaks": BreakIn,
    "attendance": AttendanceIn,
    "notes": NoteIn,
    "addenda": AddendumIn,
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "status": STATUSES,
    "method": METHODS,
    "kind": KINDS,
    "format": FORMATS,
}


# --- problems, with their place -----------------------------------------------------------------

Loc = tuple[str | int, ...]


def format_loc(loc: Iterable[str | int]) -> str:
    """(3, 'attendance', 2, 'status') → '[3].attendance[2].status' (indexes from 0, as jq)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _show(value: Any) -> str:
    """A value as it reads in a message: 'text', 3, true, null, a list, an object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _model_for(loc: Loc) -> type[_In]:
    """The model whose keys live at `loc`."""
    names = [p for p in loc if isinstance(p, str)]
    return _MODELS.get(names[-1], SessionIn) if names else SessionIn


def _keys_of(model: type[_In]) -> list[str]:
    return list(model.model_fields)


def _message(error: Any) -> tuple[Loc, str]:
    """One pydantic error as (place, plain-words problem)."""
    loc: Loc = tuple(error["loc"])
    kind: str = error["type"]
    value = error.get("input")
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    # A value inside `fields` is found under its heading, not under a model key.
    if "fields" in loc and loc[-1] != "fields":
        name = "fields"
    if kind == "missing":
        return loc[:-1], f"missing required key {name!r}"
    if kind == "extra_forbidden":
        keys = _keys_of(_model_for(loc[:-1]))
        close = difflib.get_close_matches(str(name), keys, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (keys: {', '.join(keys)})"
        return loc, f"unknown key {name!r}{hint}"
    if kind == "literal_error":
        choices = _CHOICES.get(str(name))
        allowed = ", ".join(choices) if choices else error.get("ctx", {}).get("expected", "")
        return loc, f"{_show(value)} is not one of {allowed}"
    if kind in {"instant", "uuid", "nul", "blank"}:
        return loc, str(error["msg"])
    if kind == "string_type":
        return loc, f"must be a string, not {_show(value)}"
    if kind == "string_too_long":
        return loc, f"is longer than {error['ctx']['max_length']} characters"
    if kind == "int_type":
        return loc, f"must be a whole number, not {_show(value)}"
    if kind in {"float_type", "finite_number"}:
        return loc, f"must be a number, not {_show(value)}"
    if kind == "bool_type":
        return loc, f"must be true or false, not {_show(value)}"
    if kind == "list_type":
        return loc, f"must be a list, not {_show(value)}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return loc, f"must be an object, not {_show(value)}"
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = error["ctx"].get("ge", error["ctx"].get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return loc, f"must be {word} {bound}, not {_show(value)}"
    return loc, f"{error['msg']} (got {_show(value)})"


# --- reading the file ---------------------------------------------------------------------------


def _read(path: Path) -> Any:
    """The file's JSON; a UserError naming the file (and line) when it cannot be read."""
    where = str(path)
    try:
        if path.is_dir():
            raise UserError(f"{where}: is a folder, not a JSON file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{where}: no such file") from None
    except PermissionError:
        raise UserError(f"{where}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{where}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(f"{where}:{line}: not UTF-8 text (byte {exc.start + 1})") from None
    if not text.strip():
        raise UserError(f"{where}: the file is empty (expected a JSON list of sessions)")

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
            f"{where}: expected a JSON list of sessions (the json export), not {_show(data)}"
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
                loc, message = _message(error)
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


# --- time zones ---------------------------------------------------------------------------------


def _instants(s: SessionIn) -> Iterator[dt.datetime]:
    """Every time recorded in a session, with its offset as written."""
    yield s.started_at
    for value in (s.ended_at, s.signed_at):
        if value is not None:
            yield value
    for item in s.agenda:
        yield from (v for v in (item.started_at, item.ended_at) if v is not None)
    for brk in s.breaks:
        yield from (v for v in (brk.started_at, brk.ended_at) if v is not None)
    for row in s.attendance:
        yield from (v for v in (row.checked_in_at, row.checked_out_at) if v is not None)
    for note in s.notes:
        yield note.created_at
    for addendum in s.addenda:
        yield addendum.created_at


@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    """A zone by name, loaded once (ZoneInfo's own cache is too small for a scan of them all)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def guess_timezone(instants: Iterable[dt.datetime]) -> str:
    """An IANA zone whose offsets match every given time's offset (see the module notes)."""
    samples: set[tuple[dt.datetime, dt.timedelta]] = set()
    for value in instants:
        offset = value.utcoffset()
        assert offset is not None
        # Offsets change on the hour (in UTC) in practice: one sample per hour is enough.
        hour = value.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        samples.add((hour, offset))
    machine = machine_timezone()
    if not samples:
        return machine

    def fits(name: str) -> bool:
        zone = _zone(name)
        if zone is None:
            return False
        return all(at.astimezone(zone).utcoffset() == offset for at, offset in samples)

    for name in (machine, *COMMON_ZONES):
        if fits(name):
            return name
    regions = (
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    )
    try:
        every = sorted(z for z in zoneinfo.available_timezones() if z.startswith(regions))
    except Exception:  # pragma: no cover - no time zone database at all
        every = []
    ordered = sorted(samples)
    candidates = every
    for at, offset in ordered:  # narrow down one sample at a time: fast even for large files
        candidates = [
            name
            for name in candidates
            if (zone := _zone(name)) is not None and at.astimezone(zone).utcoffset() == offset
        ]
        if not candidates:
            break
    return candidates[0] if candidates else machine


# --- planning: who is who -----------------------------------------------------------------------


@dataclass(eq=False)
class _NewMember:
    """A participant the import will create."""

    name: str
    code: str
    external_id: str | None
    participant: Participant | None = None


_Person = Participant | _NewMember


@dataclass(eq=False)
class _GroupPlan:
    """One group's members as the import sees them (existing plus to be created)."""

    name: str
    group: Group | None
    timezone: str
    by_code: dict[str, _Person] = field(default_factory=dict)
    by_name: dict[str, _Person] = field(default_factory=dict)
    # Keyed by id(person): people who become members (with their first session's date), and
    # existing memberships (moved earlier if imported sessions predate them).
    joined: dict[int, tuple[_Person, dt.date]] = field(default_factory=dict)
    existing: dict[int, Membership] = field(default_factory=dict)
    earlier: dict[int, dt.date] = field(default_factory=dict)


@dataclass
class ImportResult:
    """What an import did."""

    imported: int = 0
    skipped: int = 0
    groups_created: list[tuple[str, str]] = field(default_factory=list)  # (name, time zone)
    members_created: int = 0


class _Planner:
    """Matches the file's people to participants, without writing anything."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.by_external: dict[str, _Person] = {}
        for person in db.exec(select(Participant).where(col(Participant.external_id).is_not(None))):
            assert person.external_id is not None
            self.by_external.setdefault(person.external_id, person)
        self.taken = set(db.exec(select(Participant.code)).all())
        self.groups: dict[str, _GroupPlan] = {}
        self.new_members: list[_NewMember] = []

    def group(self, name: str, sessions: list[SessionIn]) -> _GroupPlan:
        """The plan for a group by name: existing (exact name, else ignoring case) or new."""
        key = name.casefold()
        if key in self.groups:
            return self.groups[key]
        group = self.db.exec(select(Group).where(Group.name == name)).first()
        if group is None:
            group = self.db.exec(
                select(Group).where(sa.func.lower(Group.name) == name.lower())
            ).first()
        if group is None:
            tz = guess_timezone(
                v for s in sessions if s.group.casefold() == key for v in _instants(s)
            )
        else:
            tz = group.timezone
        plan = _GroupPlan(name=name, group=group, timezone=tz)
        if group is not None:
            rows = self.db.exec(
                select(Participant, Membership)
                .join(Membership, col(Membership.participant_id) == col(Participant.id))
                .where(Membership.group_id == group.id)
                .order_by(col(Participant.id))
            ).all()
            for person, membership in rows:
                plan.existing[id(person)] = membership
                plan.by_code.setdefault(person.code, person)
                plan.by_name.setdefault(person.name.casefold(), person)
        self.groups[key] = plan
        return plan

    @staticmethod
    def _external(person: _Person) -> str | None:
        return person.external_id

    def _compatible(self, person: _Person, external_id: str | None) -> bool:
        """Not two different external ids: those are two different people."""
        theirs = self._external(person)
        return external_id is None or theirs is None or theirs == external_id

    def person(
        self,
        plan: _GroupPlan,
        *,
        name: str,
        external_id: str | None,
        code: str | None,
        day: dt.date,
    ) -> _Person:
        """Match by external id, else code within the group, else name within the group."""
        found: _Person | None = None
        if external_id is not None:
            found = self.by_external.get(external_id)
        wanted = codes.normalise(code) if code else None
        if found is None and wanted:
            candidate = plan.by_code.get(wanted)
            if candidate is not None and self._compatible(candidate, external_id):
                found = candidate
        if found is None:
            candidate = plan.by_name.get(name.casefold())
            if candidate is not None and self._compatible(candidate, external_id):
                found = candidate
        if found is None:
            if not wanted or wanted in self.taken or not codes.is_valid(wanted):
                wanted = codes.generate(self.taken)
            self.taken.add(wanted)
            found = _NewMember(name=name, code=wanted, external_id=external_id)
            self.new_members.append(found)
            if external_id is not None:
                self.by_external[external_id] = found
        membership = plan.existing.get(id(found))
        if membership is not None:
            if day < min(membership.joined, plan.earlier.get(id(found), membership.joined)):
                plan.earlier[id(found)] = day  # written only if the whole file is good
        elif id(found) not in plan.joined or day < plan.joined[id(found)][1]:
            plan.joined[id(found)] = (found, day)
        plan.by_code.setdefault(found.code, found)
        plan.by_name.setdefault(found.name.casefold(), found)
        plan.by_name.setdefault(name.casefold(), found)  # the name as this file spells it
        return found


# --- writing ------------------------------------------------------------------------------------


def _existing_ids(db: Session, ids: list[str]) -> set[str]:
    """Which of these session ids the database already holds (IN-queries in chunks)."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(db.exec(select(GroupSession.id).where(col(GroupSession.id).in_(chunk))).all())
    return found


def _titles(sessions: list[SessionIn]) -> dict[tuple[str, str | None], tuple[str, str | None]]:
    """Installed curricula's titles for (curriculum, topic) pairs in the file, where known."""
    wanted = {(s.curriculum, s.topic) for s in sessions if s.curriculum is not None}
    if not wanted:
        return {}
    from facilitator.curriculum import discover

    catalog = discover()
    titles: dict[tuple[str, str | None], tuple[str, str | None]] = {}
    for curriculum_id, topic_id in wanted:
        curriculum = catalog.curricula.get(curriculum_id)
        if curriculum is None:
            continue
        topic = next((t.title for t in curriculum.sessions if t.id == topic_id), None)
        titles[(curriculum_id, topic_id)] = (curriculum.title, topic)
    return titles


def _insert(db: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Bulk INSERT in chunks (executemany): fast for hundreds of thousands of rows."""
    for start in range(0, len(rows), INSERT_CHUNK):
        db.execute(sa.insert(model), rows[start : start + INSERT_CHUNK])


def _break_minutes(brk: BreakIn) -> int:
    if brk.ended_at is None:
        return 10
    return max(1, round((brk.ended_at - brk.started_at).total_seconds() / 60))


_TABLES: dict[str, type[Any]] = {
    "sessions": GroupSession,
    "agenda": AgendaRun,
    "breaks": Break,
    "attendance": Attendance,
    "notes": Note,
    "addenda": Addendum,
}
"""Tables an imported session fills, in the order they are written (parents first)."""


def _session_rows(
    s: SessionIn,
    *,
    group_id: int,
    attendee_ids: list[int],
    note_ids: list[int | None],
    titles: tuple[str | None, str | None],
) -> dict[str, list[dict[str, Any]]]:
    """The rows of one imported session, table by table (every column given explicitly)."""
    session = {
        "id": s.id,
        "group_id": group_id,
        "curriculum_id": s.curriculum,
        "curriculum_title": titles[0],
        "topic_id": s.topic,
        "topic_title": titles[1],
        "facilitator": s.facilitator,
        "planned_minutes": sum(item.planned_minutes for item in s.agenda),
        "started_at": s.started_at,
        "ended_at": s.ended_at,
        "state": SessionState.ENDED.value,
        "local_date": s.started_at.date(),  # the local date as recorded, in its own offset
        "signed_by": s.signed_by,
        "signed_at": s.signed_at,
    }
    agenda = [
        {
            "session_id": s.id,
            "position": position,
            "title": item.title,
            "kind": item.kind,
            "planned_minutes": item.planned_minutes,
            "extra_minutes": 0,
            "prompts": "",
            "handouts": [],
            "started_at": item.started_at,
            "ended_at": item.ended_at,
            "paused_at": None,
            "paused_seconds": 0.0,
            "skipped": item.skipped,
        }  # fmt: skip
        for position, item in enumerate(s.agenda)
    ]
    breaks = [
        {
            "session_id": s.id,
            "planned_minutes": _break_minutes(brk),
            "started_at": brk.started_at,
            "ended_at": brk.ended_at,
            "agenda_position": None,
            "pauses_item": False,
        }  # fmt: skip
        for brk in s.breaks
    ]
    attendance = [
        {
            "session_id": s.id,
            "participant_id": participant_id,
            "status": row.status,
            "checked_in_at": row.checked_in_at,
            "checked_out_at": row.checked_out_at,
            "method": row.method,
            "minutes": float(row.minutes),
        }  # fmt: skip
        for row, participant_id in zip(s.attendance, attendee_ids, strict=True)
    ]
    notes = [
        {
            "session_id": s.id,
            "participant_id": participant_id,
            "format": note.format,
            "fields": dict(note.fields or {}),
            "text": note.text,
            "created_at": note.created_at,
            "updated_at": note.created_at,
        }  # fmt: skip
        for note, participant_id in zip(s.notes, note_ids, strict=True)
    ]
    addenda = [
        {
            "session_id": s.id,
            "text": a.text,
            "reason": a.reason,
            "author": a.author,
            "created_at": a.created_at,
        }  # fmt: skip
        for a in s.addenda
    ]
    return {
        "sessions": [session],
        "agenda": agenda,
        "breaks": breaks,
        "attendance": attendance,
        "notes": notes,
        "addenda": addenda,
    }


_People = tuple[list[_Person], list[_Person | None]]
"""A session's people: one per attendance record, one per note (None: the group note)."""


def _match_people(planner: _Planner, new: list[SessionIn]) -> list[_People]:
    """Who is who, session by session (oldest first, so members join on their first session)."""
    people: list[_People] = []
    for s in new:
        plan = planner.group(s.group, new)
        day = s.started_at.date()
        attendees: list[_Person] = []
        by_name: dict[str, _Person] = {}
        for row in s.attendance:
            person = planner.person(
                plan, name=row.name, external_id=row.external_id, code=row.code, day=day
            )
            attendees.append(person)
            by_name.setdefault(row.name.casefold(), person)
        authors: list[_Person | None] = []
        for note in s.notes:
            if note.participant is None:
                authors.append(None)
                continue
            person = by_name.get(note.participant.casefold())
            if person is None:  # a note about someone with no attendance record here
                person = planner.person(
                    plan, name=note.participant, external_id=None, code=None, day=day
                )
            authors.append(person)
        people.append((attendees, authors))
    return people


def _same_member_twice(
    where: str, sessions: list[SessionIn], new: list[SessionIn], people: list[_People]
) -> list[str]:
    """Two attendance records of one session that turned out to be the same member."""
    problems: list[str] = []
    index_of = {s.id: i for i, s in enumerate(sessions)}
    for s, (attendees, _) in zip(new, people, strict=True):
        seen: dict[int, int] = {}
        for j, person in enumerate(attendees):
            if id(person) in seen:
                problems.append(
                    f"{where}: [{index_of[s.id]}].attendance[{j}]: is the same member as "
                    f"attendance[{seen[id(person)]}] (matched by external_id, code or name)"
                )
            else:
                seen[id(person)] = j
    return problems


def _create_planned(db: Session, planner: _Planner, result: ImportResult, actor: str) -> None:
    """Create the missing groups and members, their memberships, and move joins earlier."""
    from facilitator.groups import create_group

    for plan in planner.groups.values():
        if plan.group is None:
            plan.group = create_group(db, name=plan.name, timezone=plan.timezone, actor=actor)
            result.groups_created.append((plan.group.name, plan.timezone))
    for member in planner.new_members:
        member.participant = Participant(
            name=member.name, code=member.code, external_id=member.external_id
        )
        db.add(member.participant)
    db.flush()
    result.members_created = len(planner.new_members)
    memberships: list[dict[str, Any]] = []
    for plan in planner.groups.values():
        assert plan.group is not None
        for person, day in plan.joined.values():
            memberships.append(
                {"group_id": plan.group.id, "participant_id": _pid(person), "joined": day}
            )
        for key, day in plan.earlier.items():
            plan.existing[key].joined = day
            db.add(plan.existing[key])
    _insert(db, Membership, [{**m, "left": None} for m in memberships])


def _pid(person: _Person) -> int:
    """The participant id of a matched or (by now) created member."""
    target = person.participant if isinstance(person, _NewMember) else person
    assert target is not None and target.id is not None
    return target.id


def import_sessions(db: Session, path: Path, *, actor: str = "") -> ImportResult:
    """Import the sessions of a json export file; all or nothing, idempotent by session id."""
    path = Path(path)
    sessions = read_sessions(path)
    result = ImportResult()
    present = _existing_ids(db, [s.id for s in sessions])
    new = sorted((s for s in sessions if s.id not in present), key=lambda s: (s.started_at, s.id))
    result.skipped = len(sessions) - len(new)
    if new:
        planner = _Planner(db)
        people = _match_people(planner, new)
        problems = _same_member_twice(str(path), sessions, new, people)
        if problems:
            raise ManyErrors(problems)
        # Everything checks out: write.
        _create_planned(db, planner, result, actor)
        titles = _titles(new)
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES}
        for count, (s, (attendees, authors)) in enumerate(zip(new, people, strict=True), 1):
            group = planner.groups[s.group.casefold()].group
            assert group is not None and group.id is not None
            built = _session_rows(
                s,
                group_id=group.id,
                attendee_ids=[_pid(p) for p in attendees],
                note_ids=[None if p is None else _pid(p) for p in authors],
                titles=titles.get((s.curriculum or "", s.topic), (None, None)),
            )
            for name, table_rows in built.items():
                rows[name].extend(table_rows)
            if count % SESSIONS_PER_WRITE == 0 or count == len(new):
                for name, model in _TABLES.items():  # parents first, then forget them
                    _insert(db, model, rows[name])
                    rows[name] = []
        result.imported = len(new)
    audit(
        db,
        "import",
        actor=actor,
        sessions=result.imported,
        skipped=result.skipped,
        groups_created=len(result.groups_created),
        members_created=result.members_created,
    )
    db.flush()
    return result
