"""What is wrong with a curriculum file, in plain words, each at its FILE:LINE.

Pydantic's and tomllib's errors become one line each ("did you mean 'minutes'?", "use
lowercase letters, digits and dashes"), placed on the line of the TOML text they concern.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable
from typing import Any

from facilitator.common.text import shorten
from facilitator.curriculum.model import ITEM_MINUTES, KINDS, PLAN_MINUTES, Curriculum, Item, Topic

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


def validation_problem(error: Any) -> tuple[Loc, str]:
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


def duplicate_ids(data: dict[str, Any]) -> list[tuple[Loc, str]]:
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


def toml_problem(name: str, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's complaint about the file `name` (holding `text`), at its line."""
    message = str(exc)
    at = _TOML_ERROR_AT.search(message)
    if at:
        message = message[: at.start()]
        return f"{name}:{at.group(1)}: invalid TOML: {message} (column {at.group(2)})"
    end = _TOML_ERROR_END.search(message)
    if end:
        message = message[: end.start()]
        line = text.count("\n") + (0 if text.endswith("\n") else 1)
        return f"{name}:{line}: invalid TOML: {message} (at the end of the file)"
    return f"{name}: invalid TOML: {message}"


def placed(name: str, text: str, found: list[tuple[Loc, str]]) -> list[str]:
    """Every problem `found` in the file `name` as `FILE[:LINE]: place: problem`, by line."""
    index = _LineIndex(text)
    located = [(index.find(loc), loc, problem) for loc, problem in found]
    located.sort(key=lambda entry: entry[0] or 0)
    problems = []
    for line, loc, problem in located:
        where = f"{name}:{line}" if line else name
        # An unknown key is named in the problem itself: show the table it sits in.
        unknown = loc and problem.startswith(f"unknown key '{shorten(str(loc[-1]))}'")
        shown = loc[:-1] if unknown else loc
        place = f"{format_loc(shown)}: " if shown else ""
        problems.append(f"{where}: {place}{problem}")
    return problems
