"""The database of a process: one engine, short-lived sessions, and atomic "create if missing".

`open_database` also brings the schema up to date (`facilitator.store.schema`): a database
already up to date costs one small query and never imports Alembic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from facilitator.errors import UserError
from facilitator.store import schema
from facilitator.store.crypto import Passphrase
from facilitator.store.engine import error_text, make_engine
from facilitator.store.failures import explain


class Database:
    """The one engine of a process, and short-lived sessions on it."""

    def __init__(self, url: str, passphrase: Passphrase | None = None) -> None:
        self.url = url
        """The URL as the user gave it (never with the passphrase in it)."""
        self.engine = make_engine(url, passphrase)
        self.encrypted = passphrase is not None
        """Whether the file is opened through SQLCipher, with a passphrase."""
        self.backup: Path | None = None
        """The copy made before the last upgrade of a SQLite file (None: no upgrade)."""

    def explain(self, exc: DBAPIError) -> UserError | None:
        """A clear message for an error the user must see to, or None (see `failures.explain`)."""
        return explain(exc, self.url, encrypted=self.encrypted)

    def migrate(self) -> None:
        """Bring the schema to this version's (see `schema.migrate`)."""
        schema.migrate(self)

    def create_schema(self) -> None:
        """Kept for callers of the old name: see `migrate`."""
        self.migrate()

    def _quick_revision(self) -> str | None:
        """The stamped revision, in one query when there is one."""
        return schema.stamped_revision(self.engine)

    def migration_lock(self) -> AbstractContextManager[Connection]:
        """A connection holding the database's write (or migration) lock, in a transaction."""
        return schema.migration_lock(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as db:
            try:
                yield db
                db.commit()
            except DBAPIError as exc:
                # Locked, read-only, disk full, server gone: the user's to fix, not a crash.
                db.rollback()
                reason = self.explain(exc)
                if reason is not None:
                    raise reason from exc
                if isinstance(exc, sa.exc.OperationalError):
                    raise UserError(f"database error: {error_text(exc.orig)}") from exc
                raise
            except BaseException:
                db.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str, passphrase: Passphrase | None = None) -> Database:
    """Open (creating if needed) the database at `url`, its schema brought up to date; an
    encrypted SQLite file (or a new one to encrypt) with its `passphrase`.

    A wrong passphrase raises `WrongPassphrase`, a `UserError`."""
    database = Database(url, passphrase)
    try:
        database.migrate()
    except BaseException:
        database.dispose()
        raise
    return database


def insert_ignore(
    db: Session,
    table: sa.Table,
    values: list[dict[str, Any]],
    *,
    conflict: list[str],
    where: sa.ColumnElement[bool] | None = None,
) -> int:
    """INSERT ... ON CONFLICT (`conflict` [WHERE `where`]) DO NOTHING; returns rows inserted.

    The database decides who was first, so "create if missing" is one atomic step from any
    thread, process or laptop (SQLite and PostgreSQL).
    """
    if not values:
        return 0
    stmt: sa.Executable
    if db.get_bind().dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(values)
        stmt = stmt.on_conflict_do_nothing(index_elements=conflict, index_where=where)
    else:
        stmt = sqlite.insert(table).values(values)
        stmt = stmt.on_conflict_do_nothing(index_elements=conflict, index_where=where)
    result = cast("sa.CursorResult[Any]", db.execute(stmt))
    return int(result.rowcount or 0)
