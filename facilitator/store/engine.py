"""The engine for a database URL: SQLite (WAL, foreign keys, owner-only files) or PostgreSQL.

A SQLite file may be encrypted (SQLCipher, see `facilitator.store.crypto`): it is opened with its
passphrase, which lives only in the engine's URL, in memory (SQLAlchemy hides it in every repr).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from facilitator.config import data_dir
from facilitator.errors import UserError
from facilitator.store.crypto import Passphrase, sqlcipher

SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first bytes of every plain SQLite database file."""

# How long SQLite waits for another program's lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 10_000


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


def sqlite_file(url: str) -> Path | None:
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


def describe(url: str) -> str:
    """How a message names the database: its file, or its URL without the password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        database = (parsed.database or "").removeprefix("file:")
        return database if database not in ("", ":memory:") else "(in memory)"
    return parsed.render_as_string(hide_password=True)


def error_text(error: object) -> str:
    """A driver's message as one line (PostgreSQL's span several)."""
    return " ".join(str(error).split()) or type(error).__name__


def _tighten(path: Path, mode: int) -> None:
    """Make an existing file or folder owner-only, saying so once; refuse if it cannot be."""
    current = stat.S_IMODE(path.stat().st_mode)
    if not current & 0o077:
        return
    try:
        os.chmod(path, mode)
    except OSError as exc:
        raise UserError(
            f"{path} can be read by other users (mode {current:04o}) and cannot be made"
            f" owner-only: {exc.strerror}; fix its permissions (chmod {mode:o}) or move it"
        ) from None
    print(
        f"facilitator: {path} could be read by other users (mode {current:04o});"
        f" now owner-only ({mode:04o})",
        file=sys.stderr,
    )


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite does: owner-only. An existing
    file and its WAL are tightened to 0600, and the data folder to 0700, with a notice."""
    if path.exists():
        with path.open("rb") as file:
            if file.read(16) != SQLITE_MAGIC:
                return  # not (yet) a plain SQLite file: opening it says what it is
        for companion in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            if companion.exists():
                _tighten(companion, 0o600)
        if path.parent == data_dir():
            _tighten(path.parent, 0o700)
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
                f"only a SQLite file can be encrypted, not {describe(url)} "
                "(for PostgreSQL, use TLS and the server's own disk encryption)"
            )
        sqlcipher()  # SQLCipher's own logging off before the first connection
        target = make_url(url).set(drivername="sqlite+pysqlcipher", password=passphrase.reveal())
        # The dialect's default (one connection per thread) would re-derive the key, slowly,
        # for every worker thread; a queue reuses the connections.
        kwargs["poolclass"] = sa.pool.QueuePool
    try:
        engine = sa.create_engine(target, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise UserError(f"--db: no driver for {parsed.drivername!r} ({error_text(exc)})") from None
    except (ArgumentError, TypeError, ValueError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise UserError(f"--db: cannot use {shown!r}: {error_text(exc)}") from None
    if parsed.drivername.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    if passphrase is not None:
        sa.event.listen(engine, "connect", _sqlcipher_pragmas)
    return engine
