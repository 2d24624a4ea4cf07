"""The json export format, strictly: pydantic models, and their errors in plain words.

Unknown keys are errors and nothing is coerced. A pydantic error becomes `(place, problem)`,
and `format_loc` writes the place as jq would (`[3].attendance[2].status`, indexes from 0).
"""

from __future__ import annotations

import datetime as dt
import difflib
import uuid
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from facilitator.common.validators import one_line, plain_text
from facilitator.curriculum.model import KINDS, Kind
from facilitator.program.roster import MAX_NAME
from facilitator.store.models import NOTE_FORMATS, Method, Modality, Status

MAX_TEXT = 100_000
"""The longest note or addendum text accepted."""

STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
METHODS: tuple[str, ...] = tuple(m.value for m in Method)
FORMATS: tuple[str, ...] = tuple(NOTE_FORMATS)
MODALITIES: tuple[str, ...] = tuple(m.value for m in Modality)
"""The statuses, check-in methods, note formats and modalities a file may name."""

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
            "instant",
            "must be an ISO 8601 time in quotes, not {value}",
            {"value": show_value(value)},
        )
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "instant",
            "{value} is not an ISO 8601 time (like 2026-11-16T09:00:00-06:00)",
            {"value": show_value(value)},
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError(
            "instant",
            "{value} has no UTC offset (like 2026-11-16T09:00:00-06:00)",
            {"value": show_value(value)},
        )
    return parsed


def _session_id(value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise PydanticCustomError(
            "uuid", "{value} is not a UUID", {"value": show_value(value)}
        ) from None
    return str(parsed)


Text = Annotated[
    StrictStr, Field(max_length=MAX_TEXT), AfterValidator(_no_nul), AfterValidator(plain_text)
]
Line = Annotated[
    StrictStr, Field(max_length=200), AfterValidator(_no_nul), AfterValidator(one_line)
]
_NOT_BLANK = (AfterValidator(_no_nul), AfterValidator(_not_blank))
Required = Annotated[StrictStr, Field(max_length=200), *_NOT_BLANK, AfterValidator(one_line)]
LongRequired = Annotated[
    StrictStr, Field(max_length=MAX_TEXT), *_NOT_BLANK, AfterValidator(plain_text)
]
Name = Annotated[StrictStr, Field(max_length=MAX_NAME), *_NOT_BLANK, AfterValidator(one_line)]
When = Annotated[dt.datetime, BeforeValidator(_instant)]
Minutes = Annotated[StrictInt, Field(ge=0, le=1440)]
ServiceMinutes = Annotated[float, Field(ge=0, le=1440, allow_inf_nan=False)]
StatusName = Literal["present", "late", "excused", "absent", "left_early"]
MethodName = Literal["phone", "code", "manual", "walk-in"]
FormatName = Literal["DAP", "BIRP", "GIRP", "SOAP"]
ModalityName = Literal["in_person", "telehealth"]
ScaleValue = Annotated[StrictInt, Field(ge=0, le=10)]


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


class ScalesIn(_In):
    """The check-in scales a member answered (CONTRACT 10); a missing one was not answered."""

    craving: ScaleValue | None = None
    mood: ScaleValue | None = None


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
    modality: ModalityName = "in_person"
    scales: ScalesIn = Field(default_factory=lambda: ScalesIn())


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
    "scales": ScalesIn,
    "notes": NoteIn,
    "addenda": AddendumIn,
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "status": STATUSES,
    "method": METHODS,
    "kind": KINDS,
    "format": FORMATS,
    "modality": MODALITIES,
}


# --- problems, with their place -----------------------------------------------------------------

Loc = tuple[str | int, ...]


def format_loc(loc: Iterable[str | int]) -> str:
    """(3, 'attendance', 2, 'status') → '[3].attendance[2].status' (indexes from 0, as jq)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def show_value(value: Any) -> str:
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


def pydantic_problem(error: Any) -> tuple[Loc, str]:
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
        return loc, f"{show_value(value)} is not one of {allowed}"
    if kind in {"instant", "uuid", "nul", "blank"}:
        return loc, str(error["msg"])
    if kind == "string_type":
        return loc, f"must be a string, not {show_value(value)}"
    if kind == "string_too_long":
        return loc, f"is longer than {error['ctx']['max_length']} characters"
    if kind == "int_type":
        return loc, f"must be a whole number, not {show_value(value)}"
    if kind in {"float_type", "finite_number"}:
        return loc, f"must be a number, not {show_value(value)}"
    if kind == "bool_type":
        return loc, f"must be true or false, not {show_value(value)}"
    if kind == "list_type":
        return loc, f"must be a list, not {show_value(value)}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return loc, f"must be an object, not {show_value(value)}"
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = error["ctx"].get("ge", error["ctx"].get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return loc, f"must be {word} {bound}, not {show_value(value)}"
    return loc, f"{error['msg']} (got {show_value(value)})"
