"""Loading one curriculum file: read, parse, validate, and every problem as a `FILE[:LINE]` line.

`check_file` also warns (without failing) about sessions longer than the planned `minutes`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from facilitator.common.files import read_text
from facilitator.curriculum.model import Curriculum
from facilitator.curriculum.problems import (
    Loc,
    duplicate_ids,
    placed,
    toml_problem,
    validation_problem,
)
from facilitator.errors import ManyErrors, UserError

_NEEDS = "a curriculum needs schema, id, title and at least one [[session]]"


def parse(path: Path | str) -> tuple[Curriculum | None, list[str]]:
    """Load one file: the curriculum, or None and every problem as a `FILE[:LINE]: ...` line."""
    path = Path(path)
    name = str(path)
    try:
        text = read_text(path, kind="a curriculum file", empty=_NEEDS)
    except UserError as exc:
        return None, [str(exc)]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [toml_problem(name, text, exc)]
    except (RecursionError, ValueError, MemoryError):
        # tomllib gives up on very deep nesting and on integers of thousands of digits.
        return None, [f"{name}: invalid TOML: tables nested too deeply or a number too long"]
    if not data:
        return None, [f"{name}: no keys in the file ({_NEEDS})"]
    found: list[tuple[Loc, str]] = duplicate_ids(data)
    curriculum: Curriculum | None = None
    try:
        curriculum = Curriculum.model_validate(data)
    except ValidationError as exc:
        found += [validation_problem(e) for e in exc.errors() if e["type"] != "duplicate_session"]
    if not found:
        assert curriculum is not None
        curriculum.path = path
        return curriculum, []
    return None, placed(name, text, found)


def load_curriculum(path: Path | str) -> Curriculum:
    """Load and validate one curriculum file; ManyErrors lists every problem found."""
    curriculum, problems = parse(path)
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
    curriculum, problems = parse(path)
    if curriculum is None:
        return problems, []
    return [], timing_warnings(curriculum, str(path))
