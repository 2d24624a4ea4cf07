"""Shared state of one CLI invocation: the database URL and a lazily opened database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from facilitator.db import Database


@dataclass
class AppState:
    """What the root callback knows; commands open the database only when they need it."""

    db_url: str | None = None
    _database: Database | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The resolved database URL (`--db`, `FACILITATOR_DB`, or the default file)."""
        from facilitator.config import resolve_db_url

        return resolve_db_url(self.db_url)

    def database(self) -> Database:
        """Open the database once, creating it and its schema on first use."""
        if self._database is None:
            from facilitator.db import open_database

            self._database = open_database(self.url)
        return self._database


def state(ctx: typer.Context) -> AppState:
    """The AppState of this invocation."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


def fail(message: str) -> None:
    """Raise the user-facing error that exits with status 1."""
    from facilitator.errors import UserError

    raise UserError(message)
