"""Shared state of one CLI invocation: the database URL and a lazily opened database.

An encrypted SQLite file is opened with its passphrase, asked here on the terminal (hidden; three
tries) or read as one line from standard input when that is not a terminal. The TUI commands ask
for it on their first screen instead (`locked_file`, `adopt`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from facilitator.store.crypto import Passphrase
    from facilitator.store.database import Database

TRIES = 3

GroupArg = Annotated[str, typer.Argument(help="The group's name.")]
"""The GROUP argument every group command takes."""


@dataclass
class AppState:
    """What the root callback knows; commands open the database only when they need it."""

    db_url: str | None = None
    encrypt_new: bool = False
    """`--encrypt`: a database created by this run is encrypted (its passphrase asked twice)."""
    _database: Database | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The resolved database URL (`--db`, `FACILITATOR_DB`, or the default file)."""
        from facilitator.config import resolve_db_url

        return resolve_db_url(self.db_url)

    def file(self) -> Path | None:
        """The SQLite file behind the URL (None for PostgreSQL, memory, or no URL at all:
        opening the database then says what is wrong)."""
        from sqlalchemy.exc import ArgumentError

        from facilitator.store.engine import sqlite_path

        try:
            return sqlite_path(self.url)
        except ArgumentError:
            return None

    def locked_file(self) -> Path | None:
        """The encrypted SQLite file behind the URL, while it is not open yet (else None)."""
        if self._database is not None:
            return None
        from facilitator.store.crypto import is_encrypted

        path = self.file()
        return path if path is not None and is_encrypted(path) else None

    def database(self) -> Database:
        """Open the database once, creating it and its schema on first use; an encrypted file
        with the passphrase asked on the terminal."""
        if self._database is None:
            from facilitator.store.database import open_database

            locked = self.locked_file()
            if locked is not None:
                self._database = unlock_on_terminal(self.url, locked)
            elif self.encrypt_new:
                self._database = open_database(self.url, self._new_passphrase())
            else:
                self._database = open_database(self.url)
        return self._database

    def adopt(self, database: Database) -> None:
        """Use a database opened elsewhere (the TUI's passphrase screen)."""
        self._database = database

    def _new_passphrase(self) -> Passphrase:
        """`--encrypt`: the passphrase for a database about to be created."""
        path = self.file()
        if path is None:
            from facilitator.store.engine import parse_url

            name = parse_url(self.url).render_as_string(hide_password=True)
            raise _error(
                f"--encrypt: only a SQLite file can be encrypted, not {name} "
                "(for PostgreSQL, use TLS and the server's own disk encryption)"
            )
        if path.exists() and path.stat().st_size > 0:
            raise _error(
                f"--encrypt: the database {path} already exists, not encrypted: "
                "encrypt it with `facilitator db encrypt`"
            )
        return ask_new_passphrase(path)


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
