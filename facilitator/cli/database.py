"""`facilitator db status|encrypt|decrypt|change-passphrase`: the database file itself."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from facilitator.cli.context import AppState, ask_new_passphrase, read_passphrase, state

db_app = typer.Typer(
    help="The database itself: where it is, and encryption at rest (SQLCipher).",
    no_args_is_help=True,
)


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _file(app_state: AppState, verb: str) -> Path:
    """The SQLite file to `verb`, or a clear refusal for PostgreSQL and memory."""
    from facilitator.errors import UserError

    path = app_state.file()
    if path is None:
        from facilitator.store.engine import parse_url

        parsed = parse_url(app_state.url)
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "postgresql":
            raise UserError(
                f"cannot {verb} {shown}: facilitator encrypts only a SQLite file; a PostgreSQL "
                "server protects its data itself (TLS to the server, e.g. sslmode=verify-full, "
                "and the server's disk encryption)"
            )
        raise UserError(f"cannot {verb} {shown}: only a SQLite file on disk can be encrypted")
    return path


def _revision(path: Path) -> str:
    """The schema revision of the plain SQLite file at `path`, read without writing to it."""
    import sqlite3

    from facilitator.store.migrations import HEAD, REVISIONS

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"not read ({exc})"
    if not rows:
        return "none"
    revision = "+".join(sorted(rows))
    if revision == HEAD:
        return f"{revision} (this facilitator's)"
    if revision in REVISIONS:
        return f"{revision} (upgraded to {HEAD} when next opened)"
    return f"{revision} (made by a newer facilitator)"


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Where the database is, its backend, whether it is encrypted, its schema revision.

    Needs no passphrase and changes nothing.
    """
    from facilitator.store.crypto import is_encrypted, plaintext_backups

    app_state = state(ctx)
    path = app_state.file()
    if path is None:
        _server_status(app_state)
        return
    lines = [("database", str(path)), ("backend", "sqlite")]
    if not path.exists() or path.stat().st_size == 0:
        lines += [("encrypted", "no"), ("schema", "none (not created yet)")]
    elif is_encrypted(path):
        lines += [
            ("encrypted", "yes (SQLCipher)"),
            ("schema", "not read without the passphrase (every other command asks for it)"),
        ]
    else:
        lines += [("encrypted", "no"), ("schema", _revision(path))]
    for key, value in lines:
        typer.echo(f"{key:<10} {value}")
    if is_encrypted(path):
        backups = plaintext_backups(path)
        if backups:
            typer.echo(
                f"warning: {len(backups)} unencrypted copies made before upgrades are beside "
                f"it ({backups[0].name}...): delete them once you no longer need them",
                err=True,
            )


def _server_status(app_state: AppState) -> None:
    """`db status` for a database server (or memory): backend and schema, never encrypted here."""
    from sqlalchemy.exc import DBAPIError

    from facilitator.store.database import Database
    from facilitator.store.engine import parse_url
    from facilitator.store.failures import explain

    parsed = parse_url(app_state.url)
    backend = parsed.get_backend_name()
    typer.echo(f"{'database':<10} {parsed.render_as_string(hide_password=True)}")
    typer.echo(f"{'backend':<10} {backend}")
    if backend == "sqlite":
        typer.echo(f"{'encrypted':<10} no (not a file on disk)")
    else:
        typer.echo(f"{'encrypted':<10} not by facilitator (the server's own disk encryption; TLS)")
    database = Database(app_state.url)
    try:
        revision = database._quick_revision() or "none"
    except DBAPIError as exc:
        reason = explain(exc, app_state.url)
        revision = f"not read ({reason or ' '.join(str(exc.orig).split())})"
    finally:
        database.dispose()
    typer.echo(f"{'schema':<10} {revision}")


@db_app.command("encrypt")
def encrypt(
    ctx: typer.Context,
    delete_backups: Annotated[
        bool | None,
        typer.Option(
            "--delete-backups/--keep-backups",
            help="Delete the unencrypted copies earlier upgrades left beside the database "
            "(default: ask on a terminal, else keep them and warn).",
        ),
    ] = None,
) -> None:
    """Encrypt the SQLite database (SQLCipher), or create it encrypted if it does not exist.

    The passphrase is asked twice, hidden (from a pipe: one line). Without it the data cannot
    be recovered by anyone, facilitator included.
    """
    from facilitator.errors import UserError
    from facilitator.store.crypto import encrypt_file, is_encrypted

    app_state = state(ctx)
    path = _file(app_state, "encrypt")
    if path.exists() and path.stat().st_size > 0:
        if is_encrypted(path):
            raise UserError(f"the database {path} is already encrypted")
        passphrase = ask_new_passphrase(path)
        converted = encrypt_file(path, passphrase)
        typer.echo(
            f"Encrypted {path}: {converted.total} rows in {len(converted.rows)} tables, "
            "checked against the original."
        )
    else:
        from facilitator.store.database import open_database

        passphrase = ask_new_passphrase(path)
        open_database(app_state.url, passphrase).dispose()
        typer.echo(f"Created the encrypted database {path}.")
    typer.echo(
        "Keep the passphrase somewhere safe (a password manager): without it nobody can read "
        "the records, facilitator included."
    )
    _offer_to_delete_backups(path, delete_backups)


def _offer_to_delete_backups(path: Path, delete: bool | None) -> None:
    """Warn about unencrypted upgrade backups beside `path`; delete them if told (or asked)."""
    from facilitator.store.crypto import plaintext_backups

    backups = plaintext_backups(path)
    if not backups:
        return
    typer.echo(
        f"warning: {len(backups)} copies made before upgrades are NOT encrypted "
        "(anyone with the file can read them):",
        err=True,
    )
    for backup in backups:
        typer.echo(f"  {backup}", err=True)
    if delete is None:
        delete = _interactive() and typer.confirm("Delete them now?", default=False, err=True)
    if not delete:
        typer.echo("Kept them: delete them once you no longer need them.", err=True)
        return
    for backup in backups:
        for leftover in (backup, Path(f"{backup}-wal"), Path(f"{backup}-shm")):
            leftover.unlink(missing_ok=True)
    typer.echo(f"Deleted {len(backups)} unencrypted copies.", err=True)


@db_app.command("decrypt")
def decrypt(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Turn the encrypted database back into a plain SQLite file (asks to confirm)."""
    from facilitator.errors import UserError
    from facilitator.store.crypto import decrypt_file, is_encrypted

    app_state = state(ctx)
    path = _file(app_state, "decrypt")
    if not is_encrypted(path):
        raise UserError(f"the database {path} is not encrypted")
    if not yes:
        if not _interactive():
            raise UserError("decrypting writes the records unprotected: confirm with --yes")
        question = f"Write {path} back unencrypted, readable by anyone who gets the file?"
        if not typer.confirm(question, default=False, err=True):
            raise UserError("nothing was changed")
    passphrase = read_passphrase(f"Passphrase for {path}")
    converted = decrypt_file(path, passphrase)
    typer.echo(
        f"Decrypted {path}: {converted.total} rows in {len(converted.rows)} tables, "
        "checked against the original. Copies made by earlier upgrades stay encrypted."
    )


@db_app.command("change-passphrase")
def change_passphrase(ctx: typer.Context) -> None:
    """Re-encrypt the database under a new passphrase.

    Asks for the current one, then the new one twice; from a pipe, reads the current one from
    the first line and the new one from the second.
    """
    from facilitator.errors import UserError
    from facilitator.store.crypto import change_passphrase as rekey
    from facilitator.store.crypto import is_encrypted

    app_state = state(ctx)
    path = _file(app_state, "re-encrypt")
    if not is_encrypted(path):
        raise UserError(f"the database {path} is not encrypted: `facilitator db encrypt` does it")
    old = read_passphrase(f"Current passphrase for {path}")
    new = ask_new_passphrase(path)
    converted = rekey(path, old, new)
    typer.echo(
        f"Re-encrypted {path} under the new passphrase: {converted.total} rows checked. "
        "Copies made by earlier upgrades keep the old passphrase."
    )


def register(app: typer.Typer) -> None:
    """Add `db` to the root app."""
    app.add_typer(db_app, name="db")
