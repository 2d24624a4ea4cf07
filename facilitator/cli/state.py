"""The state of one command-line invocation: the database URL and a lazily opened database.

Free of Typer, so `run` can draw its first frame before the command line's parser is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from facilitator.store.crypto import Passphrase
    from facilitator.store.database import Database


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
                from facilitator.cli.context import unlock_on_terminal

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
        from facilitator.cli.context import ask_new_passphrase
        from facilitator.errors import UserError

        path = self.file()
        if path is None:
            from facilitator.store.engine import parse_url

            name = parse_url(self.url).render_as_string(hide_password=True)
            raise UserError(
                f"--encrypt: only a SQLite file can be encrypted, not {name} "
                "(for PostgreSQL, use TLS and the server's own disk encryption)"
            )
        if path.exists() and path.stat().st_size > 0:
            raise UserError(
                f"--encrypt: the database {path} already exists, not encrypted: "
                "encrypt it with `facilitator db encrypt`"
            )
        return ask_new_passphrase(path)
