"""Options several commands share: dates given as YYYY-MM-DD, and the output format of a list."""

from __future__ import annotations

import enum
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import datetime as dt


class Format(enum.StrEnum):
    """How a list or report prints."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


FormatOption = Annotated[
    Format, typer.Option("--format", case_sensitive=False, help="Output format.")
]
"""`--format table|csv|json` (any case)."""


def date_option(flag: str, what: str, default: str) -> Any:
    """A `flag DATE` option, helped as "`what`, YYYY-MM-DD (default: `default`)."."""
    return typer.Option(flag, metavar="DATE", help=f"{what}, YYYY-MM-DD (default: {default}).")


def date_given(text: str | None, option: str) -> dt.date | None:
    """The date given to `option`, or None when it was not given."""
    from facilitator.common.timeutil import parse_date

    return parse_date(text, option) if text is not None else None


def echo_json(data: object) -> None:
    """Print `data` as JSON, non-ASCII letters as they are: indented for a person at a terminal,
    compact into a pipe or file (several times faster to write for a whole program's report)."""
    import json
    import sys

    indent = 2 if sys.stdout.isatty() else None
    typer.echo(json.dumps(data, indent=indent, ensure_ascii=False))


def echo_csv(write: Callable[[io.StringIO], object]) -> None:
    """Print what `write` writes into a text buffer (CSV lines that end in a newline)."""
    buffer = io.StringIO()
    write(buffer)
    typer.echo(buffer.getvalue(), nl=False)
