"""Curriculum files: the TOML format, strict validation with line-numbered errors, discovery.

A curriculum is a series of sessions (topics), each a timed agenda of items. Shipped curricula
live in `facilitator/curricula/`; users add theirs in `config.user_curricula_dir()` or pass a
path. Plain Python: nothing here knows about Typer, Rich or Textual.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from facilitator import config
from facilitator.common.text import shorten
from facilitator.common.validators import one_line, plain_text
from facilitator.errors import ManyErrors, UserError

SCHEMA_VERSION = 1
"""The only `schema = N` this version reads."""

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
"""Curriculum and session ids: lowercase letters, digits and dashes."""

ITEM_MINUTES = (1, 240)
"""Inclusive bounds of one agenda item's length."""

PLAN_MINUTES = (1, 1440)
"""Inclusive bounds of a curriculum's planned session length."""

Kind = Literal[
    "check-in", "education", "discussion", "skills", "practice", "break", "wrap-up", "other"
]
"""What sort of agenda item this is."""

KINDS: tuple[str, ...] = get_args(Kind)
"""Every allowed `kind`, in the order the format lists them."""

Source = Literal["shipped", "user", "file"]
"""Where a curriculum came from."""

Slug = Annotated[StrictStr, Field(pattern=SLUG_PATTERN)]


def _not_blank(value: str) -> str:
    """Reject a title that is only spaces."""
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


Line = Annotated[StrictStr, AfterValidator(one_line)]
"""One line of text with no control characters (handouts, goals)."""

Prose = Annotated[StrictStr, AfterValidator(plain_text)]
"""Text that may span lines (prompts, description), with no other control characters."""

Title = Annotated[
    StrictStr, Field(min_length=1), AfterValidator(_not_blank), AfterValidator(one_line)
]


class _Strict(BaseModel):
    """Shared settings: unknown keys forbidden, no type coercion, TOML keys as aliases."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Item(_Strict):
    """One timed agenda item of a session (`[[session.item]]`)."""

    title: Title
    minutes: Annotated[StrictInt, Field(ge=ITEM_MINUTES[0], le=ITEM_MINUTES[1])]
    kind: Kind = "other"
    prompts: Prose = ""
    handouts: list[Line] = Field(default_factory=list)


class Topic(_Strict):
    """One session of a curriculum (`[[session]]`): a titled, timed agenda."""

    id: Slug
    title: Title
    goals: list[Line] = Field(default_factory=list)
    items: list[Item] = Field(alias="item", min_length=1)

    @property
    def minutes(self) -> int:
        """The planned length: the sum of the items' minutes."""
        return sum(item.minutes for item in self.items)


class Curriculum(_Strict):
    """A whole curriculum file: metadata and its sessions, in order."""

    schema_version: StrictInt = Field(alias="schema")
    id: Slug
    title: Title
    description: Prose = ""
    minutes: Annotated[StrictInt, Field(ge=PLAN_MINUTES[0], le=PLAN_MINUTES[1])] | None = None
    sessions: list[Topic] = Field(alias="session", min_length=1)

    _path: Path | None = PrivateAttr(default=None)
    _source: Source | None = PrivateAttr(default=None)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        """Only schema 1 exists; a newer file needs a newer facilitator."""
        if value != SCHEMA_VERSION:
            raise PydanticCustomError(
                "schema_version",
                "unsupported schema {value}: this version of facilitator reads schema = {known}",
                {"value": shorten(str(value)), "known": SCHEMA_VERSION},
            )
        return value

    @field_validator("sessions")
    @classmethod
    def _unique_ids(cls, sessions: list[Topic]) -> list[Topic]:
        """Session ids must be unique within the file."""
        seen: set[str] = set()
        for topic in sessions:
            if topic.id in seen:
                raise PydanticCustomError(
                    "duplicate_session", "duplicate session id '{id}'", {"id": topic.id}
                )
            seen.add(topic.id)
        return sessions

    @property
    def path(self) -> Path | None:
        """The file this curriculum was loaded from, if any."""
        return self._path

    @path.setter
    def path(self, value: Path | None) -> None:
        """Remember where the curriculum was loaded from."""
        self._path = value

    @property
    def source(self) -> Source:
        """`shipped` (in the package), `user` (the user's curricula folder) or `file`."""
        if self._source is not None:
            return self._source
        if self._path is not None:
            folder = self._path.resolve().parent
            if folder == shipped_dir().resolve():
                return "shipped"
            if folder == config.user_curricula_dir().resolve():
                return "user"
        return "file"

    def topic(self, topic_id: str) -> Topic:
        """The session with this id; a UserError naming the valid ids if there is none."""
        for topic in self.sessions:
            if topic.id == topic_id:
                return topic
        known = ", ".join(t.id for t in self.sessions)
        raise UserError(f"curriculum '{self.id}' has no session '{topic_id}' (sessions: {known})")

    def next_topic(self, after_topic_id: str | None) -> Topic:
        """The session after `after_topic_id`, wrapping round; the first if None or unknown."""
        ids = [t.id for t in self.sessions]
        if after_topic_id in ids:
            return self.sessions[(ids.index(after_topic_id) + 1) % len(ids)]
        return self.sessions[0]


# --- loading and error reporting -------------------------------------------------------------

_ALLOWED_KEYS: dict[str, list[str]] = {
    "curriculum": [f.alias or name for name, f in Curriculum.model_fields.items()],
    "session": [f.alias or name for name, f in Topic.model_fields.items()],
    "item": [f.alias or name for name, f in Item.model_fields.items()],
}

_TOML_ERROR_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_ERROR_END = re.compile(r"\s*\(at end of document\)$")
_HEADER = re.compile(r"^\s*(\[\[|\[)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*(.*)$"""
)
_KEY_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")

Loc = tuple[str | int, ...]


def _split_key(dotted: str) -> list[str]:
    """`a."b c".d` → ['a', 'b c', 'd']."""
    return [p.strip("\"'") for p in _KEY_PART.findall(dotted)]


class _LineIndex:
    """Best-effort map from a key's place in the data to its line in the TOML text.

    Tracks `[table]` / `[[array]]` headers (counting array entries) and `key = value` lines,
    skipping the inside of multi-line strings. Inline tables are not indexed; lookups fall back
    to the nearest enclosing key or header.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[Loc, int] = {}
        last_index: dict[Loc, int] = {}
        table: Loc = ()
        in_string: str | None = None
        for lineno, line in enumerate(text.splitlines(), start=1):
            if in_string:
                if _closes(line, in_string):
                    in_string = None
                continue
            header = _HEADER.match(line)
            if header:
                is_array = header.group(1) == "[["
                keys = _split_key(header.group(2))
                loc: Loc = ()
                for key in keys[:-1]:
                    loc += (key,)
                    if loc in last_index:
                        loc += (last_index[loc],)
                loc += (keys[-1],) if keys else ()
                if is_array:
                    index = last_index.get(loc, -1) + 1
                    last_index[loc] = index
                    loc += (index,)
                table = loc
                self.lines.setdefault(table, lineno)
                continue
            keyed = _KEY.match(line)
            if keyed:
                self.lines.setdefault(table + tuple(_split_key(keyed.group(1))), lineno)
                value = keyed.group(2)
                for quote in ('"""', "'''"):
                    if value.startswith(quote) and not _closes(value[3:], quote):
                        in_string = quote
                        break

    def find(self, loc: Loc) -> int | None:
        """The line of `loc`, else of its nearest enclosing key or table; None if none."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


def _closes(text: str, quote: str) -> bool:
    """Whether `text` holds the closing delimiter of a multi-line string."""
    if quote == '"""':
        text = text.replace('\\"', "")
    return quote in text


def format_loc(loc: Iterable[str | int]) -> str:
    """('session', 1, 'item', 2, 'minutes') → 'session[2].item[3].minutes' (1-based)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        quoted = json.dumps(shorten(value), ensure_ascii=False)
        # json leaves C1 controls (U+0080-U+009F) raw: escape anything a terminal would act on.
        return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in quoted)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return shorten(str(value))


def _slugify(text: str) -> str:
    """A slug suggestion for a bad id: 'Relapse Prevention' → 'relapse-prevention'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _model_at(loc: Loc) -> str:
    """Which model a location's keys belong to: 'curriculum', 'session' or 'item'."""
    names = [p for p in loc if isinstance(p, str)]
    if names[:2] == ["session", "item"]:
        return "item"
    if names[:1] == ["session"]:
        return "session"
    return "curriculum"


def _did_you_mean(word: str, choices: list[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close, else a list of the choices."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (allowed: {', '.join(choices)})"


def _message(error: Any) -> tuple[Loc, str]:
    """Turn one pydantic error into (where it is, plain-words problem).

    For a missing key the location is its table's (where the key should go); for an unknown
    key it is the key itself, which the problem also names.
    """
    loc: Loc = tuple(error["loc"])
    kind: str = error["type"]
    value = error.get("input")
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        allowed = _ALLOWED_KEYS[_model_at(loc[:-1])]
        return loc, f"unknown key '{shorten(str(name))}'" + _did_you_mean(str(name), allowed)
    if kind == "missing":
        if name == "session":
            return loc[:-1], "no [[session]]: a curriculum needs at least one session"
        if name == "item":
            return loc[:-1], "no [[session.item]]: each session needs at least one item"
        hint = " (add schema = 1 at the top)" if loc == ("schema",) else ""
        return loc[:-1], f"missing required key '{name}'{hint}"
    if kind == "schema_version":
        return loc, str(error["msg"])
    if name == "minutes" and kind in {
        "int_type",
        "greater_than_equal",
        "less_than_equal",
    }:
        low, high = ITEM_MINUTES if _model_at(loc) == "item" else PLAN_MINUTES
        return loc, f"must be a whole number of minutes from {low} to {high}, not {_show(value)}"
    if kind == "int_type":
        return loc, f"must be a whole number, not {_show(value)}"
    if kind == "string_type":
        return loc, f"must be a text string in quotes, not {_show(value)}"
    if kind == "string_too_short" or kind == "blank":
        return loc, "must not be empty"
    if kind == "string_pattern_mismatch":
        suggestion = _slugify(str(value))
        like = f" (like '{suggestion}')" if suggestion else ""
        return loc, (
            f"{_show(value)} is not a valid id: use lowercase letters, digits and dashes{like}"
        )
    if kind == "literal_error" and name == "kind":
        return loc, f"unknown kind {_show(value)}" + _did_you_mean(str(value), list(KINDS))
    if kind == "list_type" and name in {"session", "item"} and isinstance(value, dict):
        header = "[[session]]" if name == "session" else "[[session.item]]"
        return loc, f"must be an array of tables: write {header}, with double brackets"
    if kind == "list_type":
        return loc, f'must be a list like ["..."], not {_show(value)}'
    if kind == "too_short" and name in {"session", "item"}:
        what = (
            "a curriculum needs at least one session"
            if name == "session"
            else ("each session needs at least one item")
        )
        return loc, f"is empty: {what}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return loc, f"must be a table, not {_show(value)}"
    return loc, f"{error['msg']} (got {_show(value)})"


def _duplicate_ids(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Every session id used twice, found on the raw data so it shows alongside other errors."""
    sessions = data.get("session")
    if not isinstance(sessions, list):
        return []
    first: dict[str, int] = {}
    found: list[tuple[Loc, str]] = []
    for index, entry in enumerate(sessions):
        topic_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(topic_id, str):
            continue
        if topic_id in first:
            found.append(
                (
                    ("session", index, "id"),
                    f"duplicate session id '{topic_id}' (already used by session"
                    f"[{first[topic_id] + 1}])",
                )
            )
        else:
            first[topic_id] = index
    return found


def _read_text(path: Path, name: str) -> tuple[str | None, list[str]]:
    """The file's text, or one clear problem line saying why it cannot be read."""
    if not path.exists():
        return None, [f"{name}: no such file"]
    if path.is_dir():
        return None, [f"{name}: is a folder, not a curriculum file"]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [f"{name}: cannot read the file ({exc.strerror or exc})"]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            f"{name}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save the file with UTF-8 encoding"
        ]
    if not text.strip():
        return None, [
            f"{name}: the file is empty (a curriculum needs schema, id, title and "
            "at least one [[session]])"
        ]
    return text, []


def _parse(path: Path | str) -> tuple[Curriculum | None, list[str]]:
    """Load one file: the curriculum, or None and every problem as a `FILE[:LINE]: ...` line."""
    path = Path(path)
    name = str(path)
    text, problems = _read_text(path, name)
    if text is None:
        return None, problems
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_ERROR_AT.search(message)
        if at:
            message = message[: at.start()]
            return None, [f"{name}:{at.group(1)}: invalid TOML: {message} (column {at.group(2)})"]
        end = _TOML_ERROR_END.search(message)
        if end:
            message = message[: end.start()]
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
            return None, [f"{name}:{line}: invalid TOML: {message} (at the end of the file)"]
        return None, [f"{name}: invalid TOML: {message}"]
    except (RecursionError, ValueError, MemoryError):
        # tomllib gives up on very deep nesting and on integers of thousands of digits.
        return None, [f"{name}: invalid TOML: tables nested too deeply or a number too long"]
    if not data:
        return None, [
            f"{name}: no keys in the file (a curriculum needs schema, id, title and "
            "at least one [[session]])"
        ]
    found: list[tuple[Loc, str]] = _duplicate_ids(data)
    curriculum: Curriculum | None = None
    try:
        curriculum = Curriculum.model_validate(data)
    except ValidationError as exc:
        found += [_message(e) for e in exc.errors() if e["type"] != "duplicate_session"]
    if not found:
        assert curriculum is not None
        curriculum.path = path
        return curriculum, []
    index = _LineIndex(text)
    located = [(index.find(loc), loc, problem) for loc, problem in found]
    located.sort(key=lambda entry: entry[0] or 0)
    for line, loc, problem in located:
        where = f"{name}:{line}" if line else name
        # An unknown key is named in the problem itself: show the table it sits in.
        unknown = loc and problem.startswith(f"unknown key '{shorten(str(loc[-1]))}'")
        shown = loc[:-1] if unknown else loc
        place = f"{format_loc(shown)}: " if shown else ""
        problems.append(f"{where}: {place}{problem}")
    return None, problems


def load_curriculum(path: Path | str) -> Curriculum:
    """Load and validate one curriculum file; ManyErrors lists every problem found."""
    curriculum, problems = _parse(path)
    if curriculum is None:
        raise ManyErrors(problems)
    return curriculum


def timing_warnings(curriculum: Curriculum, name: str | None = None) -> list[str]:
    """A line for each session whose items add up to more than the planned `minutes`."""
    if curriculum.minutes is None:
        return []
    name = name or str(curriculum.path or curriculum.id)
    return [
        f"{name}: session[{n}] '{topic.id}': items add up to {topic.minutes} minutes, "
        f"more than the planned {curriculum.minutes}"
        for n, topic in enumerate(curriculum.sessions, start=1)
        if topic.minutes > curriculum.minutes
    ]


def check_file(path: Path | str) -> tuple[list[str], list[str]]:
    """Validate one file: (problems, warnings). Warnings do not make a file bad."""
    curriculum, problems = _parse(path)
    if curriculum is None:
        return problems, []
    return [], timing_warnings(curriculum, str(path))


# --- discovery ---------------------------------------------------------------------------


def shipped_dir() -> Path:
    """The folder of curricula shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "curricula"


@dataclass
class Catalog:
    """Every curriculum found by id, and the problems met while looking (never a crash)."""

    curricula: dict[str, Curriculum] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, curriculum: Curriculum) -> None:
        """Add one; an id already taken is a problem naming both files, and the first stays."""
        existing = self.curricula.get(curriculum.id)
        if existing is not None:
            self.problems.append(
                f"{curriculum.path}: curriculum id '{curriculum.id}' is already used by "
                f"{existing.path} ({existing.source}); this file is ignored"
            )
            return
        self.curricula[curriculum.id] = curriculum

    def get(self, curriculum_id: str) -> Curriculum:
        """The curriculum with this id; a UserError naming the known ids if there is none."""
        try:
            return self.curricula[curriculum_id]
        except KeyError:
            known = ", ".join(sorted(self.curricula)) or "none"
            raise UserError(f"unknown curriculum '{curriculum_id}' (known: {known})") from None


def _load_folder(catalog: Catalog, folder: Path, source: Source) -> None:
    """Add every `*.toml` in `folder` (sorted by name) to the catalog."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.toml")):
        curriculum, problems = _parse(path)
        if curriculum is None:
            catalog.problems.extend(problems)
            continue
        curriculum._source = source
        catalog.add(curriculum)


def discover(user_dir: Path | None = None) -> Catalog:
    """Load the shipped curricula, then the user's (default: `config.user_curricula_dir()`)."""
    catalog = Catalog()
    _load_folder(catalog, shipped_dir(), "shipped")
    _load_folder(catalog, user_dir if user_dir is not None else config.user_curricula_dir(), "user")
    return catalog


def resolve(id_or_file: str, catalog: Catalog | None = None) -> Curriculum:
    """A curriculum from a file path (existing, or ending in .toml) or else by id."""
    path = Path(id_or_file)
    if id_or_file.endswith(".toml") or path.is_file():
        return load_curriculum(path)
    return (catalog if catalog is not None else discover()).get(id_or_file)
