"""Encryption at rest for a SQLite database file (SQLCipher).

- Telling an encrypted file from a plain one needs no secret: a plain SQLite file starts with
  `SQLite format 3\\0`; SQLCipher encrypts the whole file, its first page included.
- The passphrase travels as a `Passphrase`, which never shows itself in a repr, a message or a
  traceback; it is revealed only to SQLCipher (and kept in the engine's URL, in memory).
- Converting (encrypt, decrypt, change the passphrase) writes a new file beside the old one with
  `sqlcipher_export`, checks that it opens and holds the same rows, then replaces the old file in
  one atomic rename. Another program holding the database open stops it, before anything changes.

`sqlcipher3` is imported only when an encrypted file is in play, so start-up stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facilitator.errors import UserError

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every plain SQLite file."""

MIN_LENGTH = 8
"""The shortest passphrase accepted for a new encryption (NIST SP 800-63B's minimum)."""

# How long a conversion waits for another program's lock before giving up (seconds).
LOCK_TIMEOUT_S = 2.0

_quiet = False


class Passphrase:
    """A secret that never prints itself: `repr`, `str` and f-strings show `***`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The passphrase itself, for SQLCipher only."""
        return self._value

    def __repr__(self) -> str:
        return "Passphrase('***')"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a passphrase is not pickled")


class WrongPassphrase(UserError):
    """The passphrase does not open the file (or the file is damaged)."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(f"wrong passphrase for {path} (or the file is damaged)")
        self.path = path


def is_encrypted(path: Path) -> bool:
    """Whether the file at `path` holds a database that is not plain SQLite.

    Empty or missing: no (a new database). A plain SQLite file: no. Anything else whose size is
    a whole number of pages (SQLCipher's files always are): yes. A short text file stays "not a
    database", the message SQLite itself gives.
    """
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_HEADER))
            size = os.fstat(file.fileno()).st_size
    except OSError:
        return False
    return len(head) == len(SQLITE_HEADER) and head != SQLITE_HEADER and size % 512 == 0


def is_plain_sqlite(path: Path) -> bool:
    """Whether the file at `path` starts with SQLite's plain header (not encrypted)."""
    try:
        with open(path, "rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def new_passphrase(value: str) -> Passphrase:
    """Check a passphrase chosen for encrypting: long enough, and typeable the same way again."""
    if len(value) < MIN_LENGTH:
        raise UserError(f"the passphrase must have at least {MIN_LENGTH} characters")
    if value != value.strip():
        raise UserError("the passphrase must not begin or end with a space")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise UserError("the passphrase must not contain control characters")
    return Passphrase(value)


def quote(passphrase: Passphrase) -> str:
    """The passphrase as a `PRAGMA key` value, quoted exactly as SQLAlchemy's dialect does."""
    return '"' + passphrase.reveal().replace('"', '""') + '"'


def sqlcipher() -> Any:
    """The `sqlcipher3` module, its own logging to stderr switched off (it would print into the
    terminal, or over the TUI, whenever a wrong passphrase is tried)."""
    global _quiet
    try:
        import sqlcipher3
    except ImportError:  # pragma: no cover - a dependency of facilitator
        raise UserError(
            "encrypted databases need SQLCipher: python -m pip install sqlcipher3-wheels"
        ) from None
    if not _quiet:
        conn = sqlcipher3.connect(":memory:")
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")  # process-wide
        finally:
            conn.close()
        _quiet = True
    return sqlcipher3


def connect(path: Path, passphrase: Passphrase | None, *, timeout: float = LOCK_TIMEOUT_S) -> Any:
    """A SQLCipher connection to `path` (plain when `passphrase` is None), in autocommit mode,
    with temporary tables and sorts kept in memory rather than in plain temporary files."""
    module = sqlcipher()
    conn = module.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        if passphrase is not None:
            conn.execute(f"PRAGMA key = {quote(passphrase)}")
        conn.execute("PRAGMA temp_store = MEMORY")
    except BaseException:
        conn.close()
        raise
    return conn


def plaintext_backups(path: Path) -> list[Path]:
    """The plain SQLite copies beside `path` that upgrades made (`<name>.backup-*.db`)."""
    return [p for p in sorted(path.parent.glob(f"{path.stem}.backup-*.db")) if is_plain_sqlite(p)]


@dataclass(frozen=True)
class Converted:
    """What a conversion copied: rows per table, the same before and after."""

    path: Path
    rows: dict[str, int]

    @property
    def total(self) -> int:
        """Rows in every table together."""
        return sum(self.rows.values())


def encrypt_file(path: Path, passphrase: Passphrase) -> Converted:
    """Replace the plain SQLite file at `path` by an encrypted copy of it."""
    if is_encrypted(path):
        raise UserError(f"the database {path} is already encrypted")
    return _convert(path, None, passphrase, "encrypt")


def decrypt_file(path: Path, passphrase: Passphrase) -> Converted:
    """Replace the encrypted file at `path` by a plain SQLite copy of it."""
    if not is_encrypted(path):
        raise UserError(f"the database {path} is not encrypted")
    return _convert(path, passphrase, None, "decrypt")


def change_passphrase(path: Path, old: Passphrase, new: Passphrase) -> Converted:
    """Re-encrypt the file at `path` under a new passphrase."""
    if not is_encrypted(path):
        raise UserError(f"the database {path} is not encrypted")
    return _convert(path, old, new, "re-encrypt")


def _message(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _row_counts(conn: Any, schema: str) -> dict[str, int]:
    tables = [
        row[0]
        for row in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    counts = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        counts[table] = conn.execute(f"SELECT count(*) FROM {schema}.{quoted}").fetchone()[0]
    return counts


def _private_file(path: Path) -> None:
    """Create an empty owner-only file at `path` (refusing one that exists)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:  # pragma: no cover - e.g. a folder on Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


@contextmanager
def _scratch(path: Path) -> Iterator[Path]:
    """A new owner-only file beside `path`, removed afterwards unless it was renamed."""
    scratch = path.with_name(f".{path.name}.converting-{os.getpid()}")
    for leftover in (scratch, Path(f"{scratch}-journal")):
        with suppress(FileNotFoundError):
            leftover.unlink()
    _private_file(scratch)
    try:
        yield scratch
    finally:
        for leftover in (scratch, Path(f"{scratch}-journal"), Path(f"{scratch}-wal")):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _convert(path: Path, old: Passphrase | None, new: Passphrase | None, verb: str) -> Converted:
    """Write `path` again under the `new` key (None: plain), replacing it atomically.

    1. Take the file out of WAL mode: SQLite allows that only when no other program has the
       database open, so a facilitator running elsewhere stops the conversion here.
    2. Hold an exclusive lock until the end (`locking_mode=EXCLUSIVE`): nobody writes meanwhile.
    3. `sqlcipher_export` into a new owner-only file beside it, under the new key.
    4. Open that file on its own with the new key: integrity check, same rows in every table.
    5. fsync it, rename it over the old file, fsync the folder.
    """
    module = sqlcipher()
    try:
        source = connect(path, old)
    except module.Error as exc:
        raise UserError(f"cannot open the database {path}: {_message(exc)}") from None
    try:
        try:
            mode = source.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise module.OperationalError("database is locked")
            source.execute("PRAGMA locking_mode = EXCLUSIVE")
            source.execute("BEGIN EXCLUSIVE")
            source.execute("COMMIT")  # the lock stays: exclusive locking mode keeps it
            before = _row_counts(source, "main")
            user_version = int(source.execute("PRAGMA main.user_version").fetchone()[0])
        except module.Error as exc:
            text = _message(exc)
            if "not a database" in text.lower():
                if old is not None:
                    raise WrongPassphrase(path) from None
                raise UserError(f"cannot {verb} {path}: {text}") from None
            if "locked" in text.lower() or "busy" in text.lower():
                raise UserError(
                    f"the database {path} is open in another program (facilitator in another "
                    "window?): close it, then try again; nothing was changed"
                ) from None
            raise UserError(f"cannot {verb} the database {path}: {text}") from None
        try:
            with _scratch(path) as scratch:
                key = new.reveal() if new is not None else ""
                source.execute("ATTACH DATABASE ? AS converted KEY ?", (str(scratch), key))
                try:
                    source.execute("SELECT sqlcipher_export('converted')").fetchall()
                    source.execute(f"PRAGMA converted.user_version = {user_version}")
                finally:
                    source.execute("DETACH DATABASE converted")
                _verify(scratch, new, before)
                _fsync(scratch)
                os.replace(scratch, path)
                _fsync(path.parent)
        except (OSError, module.Error, UserError) as exc:
            raise UserError(
                f"cannot {verb} the database {path}: {_message(exc)}; nothing was changed"
            ) from None
    finally:
        source.close()
    return Converted(path=path, rows=before)


def _verify(path: Path, passphrase: Passphrase | None, expected: dict[str, int]) -> None:
    """The new file opens with its key, is intact, and holds the same rows as the old one."""
    conn = connect(path, passphrase)
    try:
        check = conn.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise UserError(f"the new copy failed its integrity check ({check[0][0]})")
        found = _row_counts(conn, "main")
    finally:
        conn.close()
    if found != expected:
        raise UserError("the new copy does not hold the same rows as the database")
