"""Pydantic validators shared by the file formats facilitator reads (curricula, session imports)."""

from __future__ import annotations

from pydantic_core import PydanticCustomError

from facilitator.common.text import has_controls

_MESSAGE = "contains a control character or terminal escape sequence; remove it"


def one_line(value: str) -> str:
    """Names and titles reach a terminal: no control characters or escape sequences."""
    if has_controls(value):
        raise PydanticCustomError("controls", _MESSAGE)
    return value


def plain_text(value: str) -> str:
    """Prompts and notes may span lines; any other control character or escape is refused."""
    if has_controls(value, newlines=True):
        raise PydanticCustomError("controls", _MESSAGE)
    return value
