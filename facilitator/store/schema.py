"""Bringing a database's schema up to date: its revision stamp, the backup, the upgrade.

A new database gets every table, an older one is backed up (SQLite) and upgraded by the Alembic
revisions in `facilitator/store/migrations/`, one made by a newer facilitator is left alone. A
database already up to date costs one small query and never imports Alembic.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from facilitator.errors import UserError
from facilitator.store import models  # noqa: F401  (registers the tables)
from facilitator.store.crypto import Passphrase, connect, sqlcipher
from facilitator.store.engine import BUSY_TIMEOUT_MS, describe, error_text, sqlite_file
from facilitator.store.migrations import HEAD, REVISIONS, legacy_revision

if TYPE_CHECKING:
    from facilitator.store.database import Database

VERSION_TABLE = "alembic_version"
# Any constant will do: every facilitator process migrating a PostgreSQL database takes it.
_PG_MIGRATION_LOCK = 0x66616369  # "faci"


def read_revision(conn: Connection) -> str | None:
    """The schema revision stamped in the database (None when there is no stamp)."""
    rows = conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars().all()
    if len(rows) > 1:
        return "+".join(sorted(rows))  # branches: no facilitator release makes these
    return rows[0] if rows else None


def stamped_revision(engine: Engine) -> str | None:
    """The stamped revision, in one query when there is one."""
    with engine.connect() as conn:
        try:
            return read_revision(conn)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError):
            conn.rollback()
            if sa.inspect(conn).has_table(VERSION_TABLE):
                raise  # the table is there: the error is about the database itself
            return None


def _stamp(conn: Connection, revision: str) -> None:
    """Record `revision` the way Alembic does, without importing Alembic."""
    table = sa.Table(
        VERSION_TABLE,
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )
    table.create(conn, checkfirst=True)
    conn.execute(table.delete())
    conn.execute(table.insert().values(version_num=revision))


def _broken_references(conn: Connection) -> set[tuple[Any, ...]]:
    """SQLite's foreign-key violations (checked by hand while a batch upgrade has them off)."""
    if conn.dialect.name != "sqlite":
        return set()  # PostgreSQL checks them on every statement
    # (table, rowid, parent): not the constraint's number, which a table copy may renumber.
    return {tuple(row)[:3] for row in conn.exec_driver_sql("PRAGMA foreign_key_check")}


def _newer(revision: str) -> UserError:
    """The refusal to touch a database whose schema a newer facilitator made."""
    return UserError(
        f"this database was made by a newer facilitator (schema {revision}; this one knows "
        f"up to {HEAD}): upgrade facilitator to use it; the database was not changed"
    )


def backup_sqlite(path: Path, revision: str, passphrase: Passphrase | None = None) -> Path:
    """Copy the SQLite file at `path` beside it, owner-only, as
    `<name>.backup-<UTC time>-<revision>.db`, WAL contents included (SQLite's backup API).
    An encrypted file's copy is encrypted under the same `passphrase`."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        target = path.with_name(f"{path.stem}.backup-{stamp}-{revision}{suffix}.db")
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        break
    else:  # pragma: no cover - a hundred backups in one second
        raise OSError(f"too many backups named {path.stem}.backup-{stamp}-*")
    try:
        os.chmod(target, 0o600)
        if passphrase is None:
            source = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        else:
            source = connect(path, passphrase, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            copy = sqlite3.connect(target) if passphrase is None else connect(target, passphrase)
            try:
                source.backup(copy)
                # One self-contained file: no -wal/-shm companions to lose when it is moved.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
    except BaseException:
        for leftover in (target, Path(f"{target}-journal"), Path(f"{target}-wal")):
            with suppress(OSError):
                leftover.unlink()
        raise
    return target


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's write (or migration) lock.

    SQLite: the driver's own transaction handling is switched off for this connection so
    that `BEGIN IMMEDIATE` covers the DDL too, and foreign keys are off while batch mode
    copies tables (`_upgrade` checks them before the commit). PostgreSQL: transactional
    DDL and an advisory lock held to the end of the transaction.
    """
    with engine.connect() as conn:
        dialect = conn.dialect.name
        driver: Any = conn.connection.driver_connection
        saved = getattr(driver, "isolation_level", None)
        if dialect == "sqlite":
            driver.isolation_level = None
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            lock = sa.text("SELECT pg_advisory_xact_lock(:key)")
            conn.execute(lock, {"key": _PG_MIGRATION_LOCK})
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if dialect == "sqlite":
                try:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()
                    driver.isolation_level = saved
                except Exception:
                    conn.invalidate()  # never hand a half-restored connection back


def migrate(database: Database) -> None:
    """Bring the schema of `database` to this version's: create it in an empty database,
    upgrade an older one (a SQLite file is backed up first), refuse one made by a newer release.

    Everything happens in one transaction under a lock, so two processes starting at
    once do not both migrate, and a failed upgrade leaves the database as it was.
    """
    try:
        revision = stamped_revision(database.engine)
        if revision == HEAD:
            return
        if revision is not None and revision not in REVISIONS:
            raise _newer(revision)
        with migration_lock(database.engine) as conn:
            _migrate_locked(database, conn)
    except DBAPIError as exc:
        # e.g. not a SQLite file, unwritable folder, server down, wrong password, locked;
        # or the upgrade's commit failed (disk full), which rolled it back.
        error = database.explain(exc) or UserError(
            f"cannot open the database: {error_text(exc.orig)}"
        )
        if database.backup is not None:
            error = UserError(
                f"{error}; the database was not upgraded; a copy made before the upgrade "
                f"is at {database.backup}"
            )
        raise error from None


def _migrate_locked(database: Database, conn: Connection) -> None:
    """Decide and act, now that no other process can be migrating."""
    inspector = sa.inspect(conn)
    revision = read_revision(conn) if inspector.has_table(VERSION_TABLE) else None
    if revision == HEAD:
        return  # another process got here first
    if revision is None:
        ours = set(SQLModel.metadata.tables) & set(inspector.get_table_names())
        if not ours:
            # A new database: the models are the schema at HEAD (checked by the tests).
            SQLModel.metadata.create_all(conn)
            _stamp(conn, HEAD)
            return
        # Made by create_all before migrations existed: recognise which schema it has.
        revision = legacy_revision(conn)
        _stamp(conn, revision)
        if revision == HEAD:
            return
    if revision not in REVISIONS:
        raise _newer(revision)
    _upgrade(database, conn, revision)


def _upgrade(database: Database, conn: Connection, revision: str) -> None:
    """Back up a SQLite file, then run the revisions after `revision` up to HEAD."""
    path = sqlite_file(database.url)
    if path is not None:
        errors: tuple[type[BaseException], ...] = (OSError, sqlite3.Error)
        passphrase = None
        if database.encrypted:
            errors += (sqlcipher().Error,)
            passphrase = Passphrase(database.engine.url.password or "")
        try:
            if passphrase is None:
                database.backup = backup_sqlite(path, revision)
            else:
                database.backup = backup_sqlite(path, revision, passphrase)
        except errors as exc:
            raise UserError(
                f"cannot back up the database {path} before upgrading it "
                f"(schema {revision} to {HEAD}): {error_text(exc)}; nothing was changed"
            ) from None
    kept = f"; a copy made before the upgrade is at {database.backup}" if database.backup else ""
    from facilitator.store.migrations import runner

    try:
        broken_before = _broken_references(conn)
        runner.upgrade(conn, HEAD)
        broken = _broken_references(conn) - broken_before
        if broken:
            raise UserError(f"the upgrade would break {len(broken)} reference(s)")
    except UserError as exc:
        raise UserError(f"cannot upgrade the database: {exc}; nothing was changed{kept}") from exc
    except Exception as exc:
        reason = database.explain(exc) if isinstance(exc, DBAPIError) else None
        detail = str(reason) if reason else error_text(getattr(exc, "orig", exc))
        raise UserError(
            f"cannot upgrade the database {describe(database.url)} from schema {revision} to "
            f"{HEAD}: {detail}; nothing was changed{kept}"
        ) from exc
