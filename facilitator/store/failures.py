"""Why a database cannot be used, in words the user can act on (SQLite's and PostgreSQL's codes).

Locked, read-only, full, missing, not a database, encrypted or wrong passphrase: each becomes one
line naming the database; any other driver error is left to the caller.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from facilitator.errors import UserError
from facilitator.store.crypto import WrongPassphrase, is_encrypted, is_plain_sqlite
from facilitator.store.engine import describe, error_text, sqlite_file


def explain(exc: DBAPIError, url: str, *, encrypted: bool = False) -> UserError | None:
    """A clear message for a database the user must see to (locked, read-only, full,
    missing, not a database, wrong passphrase), or None when the error is something else.
    `encrypted`: the database was opened with a passphrase."""
    orig = exc.orig
    text = error_text(orig)
    lowered = text.lower()
    where = describe(url)
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
        path = sqlite_file(url)
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
        path = sqlite_file(url)
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
