"""What the commands share: the invocation's `AppState` (in `state.py`), the GROUP argument, and
passphrases asked on the terminal.

An encrypted SQLite file is opened with its passphrase, asked here on the terminal (hidden; three
tries) or read as one line from standard input when that is not a terminal. The TUI commands ask
for it on their first screen instead (`locked_file`, `adopt`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from facilitator.cli.state import AppState

if TYPE_CHECKING:
    from facilitator.store.crypto import Passphrase
    from facilitator.store.database import Database

TRIES = 3

GroupArg = Annotated[str, typer.Argument(help="The group's name.")]
"""The GROUP argument every group command takes."""


def read_passphrase(prompt: str, *, confirm: bool = False) -> Passphrase:
    """A passphrase from the terminal (hidden, typed twice when `confirm`), or, when standard
    input is not a terminal, its next line (so `printf 'pw\\n' | facilitator ...` works)."""
    from facilitator.store.crypto import Passphrase

    if sys.stdin is not None and sys.stdin.isatty():
        value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    else:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        value = line.removesuffix("\n").removesuffix("\r")
    if not value:
        raise _error(
            f"{prompt}: no passphrase given (type it when asked; from a script, send it as a "
            "line on standard input)"
        )
    return Passphrase(value)


def ask_new_passphrase(path: Path) -> Passphrase:
    """A new passphrase for `path`, typed twice, checked for length."""
    from facilitator.store.crypto import new_passphrase

    value = read_passphrase(f"New passphrase for {path}", confirm=True)
    return new_passphrase(value.reveal())


def unlock_on_terminal(url: str, path: Path) -> Database:
    """Open the encrypted file at `path`: three tries on a terminal, one from a pipe."""
    from facilitator.store.crypto import WrongPassphrase
    from facilitator.store.database import open_database

    tries = TRIES if sys.stdin is not None and sys.stdin.isatty() else 1
    for attempt in range(1, tries + 1):
        passphrase = read_passphrase(f"Passphrase for {path}")
        try:
            return open_database(url, passphrase)
        except WrongPassphrase as exc:
            if attempt == tries:
                raise
            typer.echo(f"{exc} — try again", err=True)
    raise AssertionError("unreachable")  # pragma: no cover


def state(ctx: typer.Context) -> AppState:
    """The AppState of this invocation."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


def _error(message: str) -> Exception:
    from facilitator.errors import UserError

    return UserError(message)
