"""Opening the database: SQLite (default, WAL, foreign keys) or PostgreSQL for a clinic server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session, SQLModel

from facilitator import models  # noqa: F401  (registers the tables)
from facilitator.errors import UserError


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for memory or another backend."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


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
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and owner-only files."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(
            f"--db: {url!r} is not a database URL (e.g. sqlite:///path/to/file.db)"
        ) from None
    kwargs: dict[str, Any] = {}
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
    try:
        engine = sa.create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise UserError(f"--db: no driver for {parsed.drivername!r} ({_one_line(exc)})") from None
    except (ArgumentError, TypeError, ValueError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise UserError(f"--db: cannot use {shown!r}: {_one_line(exc)}") from None
    if parsed.drivername.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """The one engine of a process, and short-lived sessions on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def create_schema(self) -> None:
        """Create any missing tables (a clear message if the database cannot be opened)."""
        try:
            SQLModel.metadata.create_all(self.engine)
        except DBAPIError as exc:
            # e.g. not a SQLite file, unwritable folder, server down, wrong password.
            raise UserError(f"cannot open the database: {_one_line(exc.orig)}") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as db:
            try:
                yield db
                db.commit()
            except sa.exc.OperationalError as exc:
                # Locked, read-only, disk full, server gone: the user's to fix, not a crash.
                db.rollback()
                raise UserError(f"database error: {_one_line(exc.orig)}") from exc
            except BaseException:
                db.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Open (creating if needed) the database at `url`, schema included."""
    database = Database(url)
    database.create_schema()
    return database
