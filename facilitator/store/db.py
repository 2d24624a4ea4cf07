"""Opening the database: SQLite (default, WAL, foreign keys) or PostgreSQL for a clinic server.

`open_database` also brings the schema up to date (see `Database.migrate`): a new database gets
every table, an older one is backed up (SQLite) and upgraded by the Alembic revisions in
`facilitator/store/migrations/`, one made by a newer facilitator is left alone. A database
already up to date costs one small query and never imports Alembic.

A SQLite file may be encrypted (SQLCipher, see `facilitator.store.crypto`): it is opened with its
passphrase, which lives only in the engine's URL, in memory (SQLAlchemy hides it in every repr).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session, SQLModel

from facilitator.errors import UserError
from facilitator.store import models  # noqa: F401  (registers the tables)
from facilitator.store.crypto import Passphrase, WrongPassphrase, is_encrypted, is_plain_sqlite
from facilitator.store.migrations import HEAD, REVISIONS, legacy_revision

# How long SQLite waits for another program's lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 10_000

VERSION_TABLE = "alembic_version"
# Any constant will do: every facilitator process migrating a PostgreSQL database takes it.
_PG_MIGRATION_LOCK = 0x66616369  # "faci"


def parse_url(url: str) -> URL:
    """`url` parsed, or a UserError saying it is not a database URL."""
    try:
        return make_url(url)
    except ArgumentError:
        raise UserError(
            f"--db: {url!r} is not a database URL (e.g. sqlite:///path/to/file.db)"
        ) from None


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for memory or another backend."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL, `sqlite:///file:PATH?...&uri=true` forms included."""
    path = sqlite_path(url)
    if path is not None:
        return path
    parsed = make_url(url)
    database = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or not database.startswith("file:"):
        return None
    if parsed.query.get("mode") == "memory":
        return None
    located = Path(database.removeprefix("file:").split("?", 1)[0])
    return located if located.is_file() else None


def _one_line(error: object) -> str:
    """A driver's message as one line (PostgreSQL's span several)."""
    return " ".join(str(error).split()) or type(error).__name__


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite does: owner-only."""
    if path.exists():
        return
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlcipher_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Sorts and temporary tables in memory, never in plain temporary files.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def make_engine(url: str, passphrase: Passphrase | None = None) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and owner-only files.

    With a `passphrase`, the SQLite file is opened through SQLCipher (`sqlite+pysqlcipher`);
    the dialect sends `PRAGMA key` first on every connection, before the pragmas above.
    """
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {}
    path: Path | None = None
    if parsed.drivername.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            if str(path) != parsed.database:
                # `sqlite:///~/x.db`: SQLite itself would not expand the `~`.
                url = parsed.set(database=str(path)).render_as_string(hide_password=False)
            try:
                _prepare_sqlite_file(path)
            except OSError as exc:
                raise UserError(f"cannot create the database {path}: {exc.strerror}") from None
        kwargs["connect_args"] = {"check_same_thread": False}
        database = parsed.database or ""
        if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
            # One shared in-memory database for every thread.
            kwargs["poolclass"] = sa.pool.StaticPool
    elif parsed.drivername.startswith("postgresql"):
        # Laptops sleep and change networks: a dead pooled connection costs a reconnect, not an
        # error; and an unreachable server is reported in seconds, not minutes.
        kwargs["pool_pre_ping"] = True
        if "connect_timeout" not in parsed.query:
            kwargs["connect_args"] = {"connect_timeout": 10}
    target: str | URL = url
    if passphrase is not None:
        if path is None or parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
            raise UserError(
                f"only a SQLite file can be encrypted, not {_describe(url)} "
                "(for PostgreSQL, use TLS and the server's own disk encryption)"
            )
        from facilitator.store.crypto import sqlcipher

        sqlcipher()  # SQLCipher's own logging off before the first connection
        target = make_url(url).set(drivername="sqlite+pysqlcipher", password=passphrase.reveal())
        # The dialect's default (one connection per thread) would re-derive the key, slowly,
        # for every worker thread; a queue reuses the connections.
        kwargs["poolclass"] = sa.pool.QueuePool
    try:
        engine = sa.create_engine(target, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise UserError(f"--db: no driver for {parsed.drivername!r} ({_one_line(exc)})") from None
    except (ArgumentError, TypeError, ValueError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise UserError(f"--db: cannot use {shown!r}: {_one_line(exc)}") from None
    if parsed.drivername.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    if passphrase is not None:
        sa.event.listen(engine, "connect", _sqlcipher_pragmas)
    return engine


def _describe(url: str) -> str:
    """How a message names the database: its file, or its URL without the password."""
    path = _sqlite_file(url)
    if path is not None:
        return str(path)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        database = (parsed.database or "").removeprefix("file:")
        return database if database not in ("", ":memory:") else "(in memory)"
    return parsed.render_as_string(hide_password=True)


def explain(exc: DBAPIError, url: str, *, encrypted: bool = False) -> UserError | None:
    """A clear message for a database the user must see to (locked, read-only, full,
    missing, not a database, wrong passphrase), or None when the error is something else.
    `encrypted`: the database was opened with a passphrase."""
    orig = exc.orig
    text = _one_line(orig)
    lowered = text.lower()
    where = _describe(url)
    sqlite_name = str(getattr(orig, "sqlite_errorname", ""))  # SQLITE_BUSY, SQLITE_FULL, ...
    sqlstate = str(getattr(orig, "sqlstate", "") or "")  # PostgreSQL's error code
    if (
        sqlite_name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
        or "database is locked" in lowered
        or sqlstate in ("55P03", "40P01")  # lock not available, deadlock
    ):
        return UserError(
            f"the database {where} is busy: another program is holding it ({text}); "
            "close that program or wait a moment, then try again"
        )
    if sqlite_name.startswith("SQLITE_READONLY") or "readonly" in lowered or sqlstate == "25006":
        return UserError(
            f"the database {where} is read-only ({text}); facilitator needs to write to it: "
            "check the permissions of the file and its folder"
        )
    if sqlite_name.startswith("SQLITE_FULL") or "disk is full" in lowered or sqlstate == "53100":
        return UserError(
            f"the database {where} is full ({text}): free some disk space, then try again"
        )
    if sqlite_name.startswith("SQLITE_CANTOPEN") or "unable to open database" in lowered:
        path = _sqlite_file(url)
        if path is not None and path.exists():
            # e.g. a WAL database in a folder where its -shm/-wal files cannot be made.
            return UserError(
                f"cannot open the database {where} ({text}): it or its folder is read-only "
                "or not accessible; check their permissions"
            )
        return UserError(
            f"cannot open the database {where} ({text}): the file or its folder is missing"
        )
    if sqlite_name.startswith("SQLITE_NOTADB") or "not a database" in lowered:
        # SQLCipher says the same of a wrong passphrase: the first page does not decrypt.
        path = _sqlite_file(url)
        if encrypted:
            if path is not None and is_plain_sqlite(path):
                return UserError(f"the database {where} is not encrypted: it needs no passphrase")
            return WrongPassphrase(where)
        if path is not None and is_encrypted(path):
            return UserError(
                f"the database {where} is encrypted: it opens only with its passphrase"
            )
        return UserError(f"cannot open the database {where}: {text}")
    return None


def _read_revision(conn: Connection) -> str | None:
    """The schema revision stamped in the database (None when there is no stamp)."""
    rows = conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars().all()
    if len(rows) > 1:
        return "+".join(sorted(rows))  # branches: no facilitator release makes these
    return rows[0] if rows else None


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
    return {tuple(row) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")}


def _newer(revision: str) -> UserError:
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
            from facilitator.store.crypto import connect

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

    def _explain(self, exc: DBAPIError) -> UserError | None:
        return explain(exc, self.url, encrypted=self.encrypted)

    def _fail(self, exc: DBAPIError, prefix: str) -> UserError:
        return self._explain(exc) or UserError(f"{prefix}: {_one_line(exc.orig)}")

    def migrate(self) -> None:
        """Bring the schema to this version's: create it in an empty database, upgrade an
        older one (a SQLite file is backed up first), refuse one made by a newer release.

        Everything happens in one transaction under a lock, so two processes starting at
        once do not both migrate, and a failed upgrade leaves the database as it was.
        """
        try:
            revision = self._quick_revision()
            if revision == HEAD:
                return
            if revision is not None and revision not in REVISIONS:
                raise _newer(revision)
            with self.migration_lock() as conn:
                self._migrate_locked(conn)
        except DBAPIError as exc:
            # e.g. not a SQLite file, unwritable folder, server down, wrong password, locked;
            # or the upgrade's commit failed (disk full), which rolled it back.
            error = self._fail(exc, "cannot open the database")
            if self.backup is not None:
                error = UserError(
                    f"{error}; the database was not upgraded; a copy made before the upgrade "
                    f"is at {self.backup}"
                )
            raise error from None

    def create_schema(self) -> None:
        """Kept for callers of the old name: see `migrate`."""
        self.migrate()

    def _quick_revision(self) -> str | None:
        """The stamped revision, in one query when there is one."""
        with self.engine.connect() as conn:
            try:
                return _read_revision(conn)
            except (sa.exc.OperationalError, sa.exc.ProgrammingError):
                conn.rollback()
                if sa.inspect(conn).has_table(VERSION_TABLE):
                    raise  # the table is there: the error is about the database itself
                return None

    @contextmanager
    def migration_lock(self) -> Iterator[Connection]:
        """A connection in a transaction that holds the database's write (or migration) lock.

        SQLite: the driver's own transaction handling is switched off for this connection so
        that `BEGIN IMMEDIATE` covers the DDL too, and foreign keys are off while batch mode
        copies tables (`_upgrade` checks them before the commit). PostgreSQL: transactional
        DDL and an advisory lock held to the end of the transaction.
        """
        with self.engine.connect() as conn:
            dialect = conn.dialect.name
            driver = conn.connection.driver_connection
            saved = getattr(driver, "isolation_level", None)
            if dialect == "sqlite":
                driver.isolation_level = None  # type: ignore[union-attr]
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
                        driver.isolation_level = saved  # type: ignore[union-attr]
                    except Exception:
                        conn.invalidate()  # never hand a half-restored connection back

    def _migrate_locked(self, conn: Connection) -> None:
        """Decide and act, now that no other process can be migrating."""
        inspector = sa.inspect(conn)
        revision = _read_revision(conn) if inspector.has_table(VERSION_TABLE) else None
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
        self._upgrade(conn, revision)

    def _upgrade(self, conn: Connection, revision: str) -> None:
        """Back up a SQLite file, then run the revisions after `revision` up to HEAD."""
        path = _sqlite_file(self.url)
        if path is not None:
            errors: tuple[type[BaseException], ...] = (OSError, sqlite3.Error)
            passphrase = None
            if self.encrypted:
                from facilitator.store.crypto import sqlcipher

                errors += (sqlcipher().Error,)
                passphrase = Passphrase(self.engine.url.password or "")
            try:
                if passphrase is None:
                    self.backup = backup_sqlite(path, revision)
                else:
                    self.backup = backup_sqlite(path, revision, passphrase)
            except errors as exc:
                raise UserError(
                    f"cannot back up the database {path} before upgrading it "
                    f"(schema {revision} to {HEAD}): {_one_line(exc)}; nothing was changed"
                ) from None
        kept = f"; a copy made before the upgrade is at {self.backup}" if self.backup else ""
        from facilitator.store.migrations import runner

        try:
            broken_before = _broken_references(conn)
            runner.upgrade(conn, HEAD)
            broken = _broken_references(conn) - broken_before
            if broken:
                raise UserError(f"the upgrade would break {len(broken)} reference(s)")
        except UserError as exc:
            raise UserError(
                f"cannot upgrade the database: {exc}; nothing was changed{kept}"
            ) from exc
        except Exception as exc:
            reason = self._explain(exc) if isinstance(exc, DBAPIError) else None
            detail = str(reason) if reason else _one_line(getattr(exc, "orig", exc))
            raise UserError(
                f"cannot upgrade the database {_describe(self.url)} from schema {revision} to "
                f"{HEAD}: {detail}; nothing was changed{kept}"
            ) from exc

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
                reason = self._explain(exc)
                if reason is not None:
                    raise reason from exc
                if isinstance(exc, sa.exc.OperationalError):
                    raise UserError(f"database error: {_one_line(exc.orig)}") from exc
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
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=conflict, index_where=where)
    )
    return int(db.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
