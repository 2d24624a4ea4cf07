"""Encryption at rest (SQLCipher): an encrypted database is unreadable without its passphrase and
works with it — from the command line, in the TUI, through migrations — and the passphrase
never shows up anywhere."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from textual.widgets import DataTable, Input, Label

from facilitator.app import make_unlock_app
from facilitator.errors import UserError
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.screens.home import HomeScreen
from facilitator.screens.passphrase import PassphraseScreen
from facilitator.session.lifecycle import start_session
from facilitator.session.notes import save_note
from facilitator.store import crypto
from facilitator.store.crypto import Passphrase, WrongPassphrase, is_encrypted
from facilitator.store.database import Database, open_database
from facilitator.store.migrations import HEAD, runner
from facilitator.store.schema import backup_sqlite

from .ptyapp import PtyApp
from .test_migrations import assert_previous_release_records, insert_previous_release_records

# Fictional people only.
GROUP = "Evening IOP"
MEMBERS = ["Avery Quinn", "Blake Moreno", "Casey Lindqvist"]
NOTE = "Blake named weekend stress as a trigger and practised urge surfing"
SECRET = "correct horse battery"
SECRET_2 = "tr0ub4dor & 3"
WHEN = dt.datetime(2026, 11, 16, 15, 0, tzinfo=dt.UTC)


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real entry point, standard input a pipe (so the passphrase is read from it)."""
    return subprocess.run(
        [sys.executable, "-m", "facilitator", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=120,
    )


def fill(database: Database) -> None:
    """A group, its members and a session note."""
    from facilitator.curriculum.catalog import discover

    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        group = create_group(db, name=GROUP, timezone="America/Chicago")
        for name in MEMBERS:
            add_member(db, group, name=name, joined=dt.date(2026, 11, 2))
        session = start_session(
            db,
            group=group,
            curriculum=curriculum,
            topic=curriculum.sessions[0],
            facilitator="Sam Facilitator",
            now=WHEN,
        )
        save_note(db, session=session, participant_id=None, text=NOTE, now=WHEN)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A plain SQLite database with a group, members and a note."""
    path = tmp_path / "clinic" / "facilitator.db"
    database = open_database(f"sqlite:///{path}")
    fill(database)
    database.dispose()
    return path


@pytest.fixture
def encrypted(db_file: Path) -> Path:
    """The same database, encrypted under SECRET."""
    crypto.encrypt_file(db_file, Passphrase(SECRET))
    return db_file


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def raw_bytes(path: Path) -> bytes:
    """Every byte facilitator left for this database on disk: the file and its companions."""
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())


def assert_unreadable(path: Path) -> None:
    """Nothing in the files on disk gives the records away."""
    data = raw_bytes(path)
    assert b"SQLite format 3" not in data
    for text in [GROUP, NOTE, *MEMBERS, *(n.split()[0] for n in MEMBERS), "urge surfing"]:
        assert text.encode() not in data, text
        assert text.encode("utf-16-le") not in data, text
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        plain = sqlite3.connect(path)
        try:
            plain.execute("SELECT name FROM sqlite_master").fetchall()
        finally:
            plain.close()


def assert_clean(result: subprocess.CompletedProcess[str], *secrets: str) -> None:
    """No traceback, and no passphrase anywhere in what the command printed."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    for secret in secrets:
        assert secret not in output


# --- encrypting from the command line -----------------------------------------------------------


def test_an_encrypted_database_is_unreadable_without_its_passphrase(db_file: Path) -> None:
    assert db_file.read_bytes().startswith(b"SQLite format 3\x00")
    assert NOTE.encode() in raw_bytes(db_file)  # the check below can see plain text

    result = run_cli("--db", url_of(db_file), "db", "encrypt", stdin=f"{SECRET}\n")

    assert result.returncode == 0, result.stderr
    assert "Encrypted" in result.stdout and "checked against the original" in result.stdout
    assert_clean(result, SECRET)
    assert is_encrypted(db_file)
    assert_unreadable(db_file)
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
    # No scratch copy, plain or not, left beside it.
    assert sorted(p.name for p in db_file.parent.iterdir()) == ["facilitator.db"]


def test_an_encrypted_database_works_with_its_passphrase(encrypted: Path) -> None:
    result = run_cli("--db", url_of(encrypted), "roster", "list", GROUP, stdin=f"{SECRET}\n")
    assert result.returncode == 0, result.stderr
    for name in MEMBERS:
        assert name in result.stdout
    assert_clean(result, SECRET)
    # Still encrypted after use (WAL and all), and written to without leaking.
    added = run_cli("--db", url_of(encrypted), "group", "add", "Zephyr Group", stdin=f"{SECRET}\n")
    assert added.returncode == 0, added.stderr
    assert_unreadable(encrypted)
    assert b"Zephyr" not in raw_bytes(encrypted)


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        ("", "no passphrase given"),
        ("\n", "no passphrase given"),
        ("not the passphrase\n", "wrong passphrase for {path} (or the file is damaged)"),
        (f"{SECRET} \n", "wrong passphrase for {path}"),
    ],
)
def test_without_the_right_passphrase_nothing_opens(
    encrypted: Path, stdin: str, expected: str
) -> None:
    result = run_cli("--db", url_of(encrypted), "roster", "list", GROUP, stdin=stdin)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert expected.format(path=encrypted) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert_clean(result, SECRET, "not the passphrase")
    for name in MEMBERS:
        assert name not in result.stderr


def test_decrypting_gives_back_the_plain_file(encrypted: Path) -> None:
    refused = run_cli("--db", url_of(encrypted), "db", "decrypt", stdin=f"{SECRET}\n")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert is_encrypted(encrypted)

    wrong = run_cli("--db", url_of(encrypted), "db", "decrypt", "--yes", stdin="nope nope\n")
    assert wrong.returncode == 1
    assert f"wrong passphrase for {encrypted}" in wrong.stderr
    assert is_encrypted(encrypted)

    result = run_cli("--db", url_of(encrypted), "db", "decrypt", "--yes", stdin=f"{SECRET}\n")
    assert result.returncode == 0, result.stderr
    assert_clean(result, SECRET)
    assert encrypted.read_bytes().startswith(b"SQLite format 3\x00")
    assert stat.S_IMODE(encrypted.stat().st_mode) == 0o600
    plain = sqlite3.connect(encrypted)
    try:
        names = [r[0] for r in plain.execute("SELECT name FROM participants ORDER BY name")]
        notes = [r[0] for r in plain.execute("SELECT text FROM notes")]
    finally:
        plain.close()
    assert names == sorted(MEMBERS) and notes == [NOTE]
    listed = run_cli("--db", url_of(encrypted), "roster", "list", GROUP)  # no passphrase now
    assert listed.returncode == 0 and MEMBERS[0] in listed.stdout


def test_the_passphrase_can_be_changed(encrypted: Path) -> None:
    result = run_cli(
        "--db", url_of(encrypted), "db", "change-passphrase", stdin=f"{SECRET}\n{SECRET_2}\n"
    )
    assert result.returncode == 0, result.stderr
    assert_clean(result, SECRET, SECRET_2)
    with pytest.raises(WrongPassphrase):
        open_database(url_of(encrypted), Passphrase(SECRET))
    database = open_database(url_of(encrypted), Passphrase(SECRET_2))
    database.dispose()
    assert_unreadable(encrypted)


def test_encrypting_twice_or_decrypting_a_plain_file_is_refused(
    encrypted: Path, tmp_path: Path
) -> None:
    before = encrypted.read_bytes()
    twice = run_cli("--db", url_of(encrypted), "db", "encrypt", stdin=f"{SECRET}\n")
    assert twice.returncode == 1
    assert twice.stderr == f"error: the database {encrypted} is already encrypted\n"
    assert encrypted.read_bytes() == before

    plain = tmp_path / "plain.db"
    open_database(url_of(plain)).dispose()
    result = run_cli("--db", url_of(plain), "db", "decrypt", "--yes", stdin=f"{SECRET}\n")
    assert result.returncode == 1 and "is not encrypted" in result.stderr


def test_postgresql_is_not_encrypted_by_facilitator() -> None:
    url = "postgresql+psycopg://clinic:s3cret-pw@db.example.invalid/facilitator"
    result = run_cli("--db", url, "db", "encrypt", stdin=f"{SECRET}\n")
    assert result.returncode == 1
    assert "only a SQLite file" in result.stderr and "TLS" in result.stderr
    assert_clean(result, "s3cret-pw", SECRET)
    with pytest.raises(UserError, match="only a SQLite file can be encrypted"):
        Database(url, Passphrase(SECRET))
    with pytest.raises(UserError, match="only a SQLite file can be encrypted"):
        Database("sqlite://", Passphrase(SECRET))


def test_a_short_passphrase_is_refused_and_nothing_changes(db_file: Path) -> None:
    before = db_file.read_bytes()
    result = run_cli("--db", url_of(db_file), "db", "encrypt", stdin="short\n")
    assert result.returncode == 1
    assert "at least 8 characters" in result.stderr
    assert db_file.read_bytes() == before


def test_another_program_holding_the_database_stops_the_encryption(db_file: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(db_file)!r})\n"
            "c.execute('SELECT count(*) FROM groups').fetchall()\n"
            "print('open', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = run_cli("--db", url_of(db_file), "db", "encrypt", stdin=f"{SECRET}\n")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(30)
    assert result.returncode == 1
    assert "is open in another program" in result.stderr and "nothing was changed" in result.stderr
    assert db_file.read_bytes().startswith(b"SQLite format 3\x00")
    database = open_database(url_of(db_file))
    database.dispose()


def test_unencrypted_upgrade_backups_are_reported_and_deleted_when_asked(db_file: Path) -> None:
    backups = [backup_sqlite(db_file, "0001"), backup_sqlite(db_file, "0001")]
    result = run_cli("--db", url_of(db_file), "db", "encrypt", stdin=f"{SECRET}\n")
    assert result.returncode == 0, result.stderr
    assert "NOT encrypted" in result.stderr and str(backups[0]) in result.stderr
    assert all(b.exists() for b in backups)  # no terminal to ask on: kept
    status = run_cli("--db", url_of(db_file), "db", "status")
    assert "warning: 2 unencrypted copies" in status.stderr

    result = run_cli("--db", url_of(db_file), "db", "decrypt", "--yes", stdin=f"{SECRET}\n")
    assert result.returncode == 0, result.stderr
    result = run_cli(
        "--db", url_of(db_file), "db", "encrypt", "--delete-backups", stdin=f"{SECRET}\n"
    )
    assert result.returncode == 0, result.stderr
    assert not any(b.exists() for b in backups)
    assert_unreadable(db_file)


def test_status_tells_without_a_passphrase(db_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "none" / "facilitator.db"
    result = run_cli("--db", url_of(missing), "db", "status")
    assert result.returncode == 0
    assert "not created yet" in result.stdout and not missing.exists()

    result = run_cli("--db", url_of(db_file), "db", "status")
    assert result.stdout.splitlines() == [
        f"database   {db_file}",
        "backend    sqlite",
        "encrypted  no",
        f"schema     {HEAD} (this facilitator's)",
    ]
    crypto.encrypt_file(db_file, Passphrase(SECRET))
    result = run_cli("--db", url_of(db_file), "db", "status", stdin=f"{SECRET}\n")
    assert result.returncode == 0
    assert "encrypted  yes (SQLCipher)" in result.stdout


# --- a new database, encrypted from the start --------------------------------------------------


def test_the_first_run_can_create_the_database_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "new" / "facilitator.db"
    created = run_cli("--db", url_of(path), "--encrypt", "group", "add", GROUP, stdin=f"{SECRET}\n")
    assert created.returncode == 0, created.stderr
    assert_clean(created, SECRET)
    assert is_encrypted(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert_unreadable(path)
    listed = run_cli("--db", url_of(path), "group", "list", stdin=f"{SECRET}\n")
    assert listed.returncode == 0 and GROUP in listed.stdout

    plain = tmp_path / "plain.db"
    open_database(url_of(plain)).dispose()
    refused = run_cli("--db", url_of(plain), "--encrypt", "group", "list", stdin=f"{SECRET}\n")
    assert refused.returncode == 1 and "facilitator db encrypt" in refused.stderr


def test_db_encrypt_creates_a_missing_database_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    result = run_cli("--db", url_of(path), "db", "encrypt", stdin=f"{SECRET}\n")
    assert result.returncode == 0, result.stderr
    assert "Created the encrypted database" in result.stdout
    assert is_encrypted(path)
    open_database(url_of(path), Passphrase(SECRET)).dispose()


# --- the core ----------------------------------------------------------------------------------


def test_the_key_comes_before_the_pragmas_which_still_apply(tmp_path: Path) -> None:
    path = tmp_path / "traced.db"
    database = Database(url_of(path), Passphrase('with "quotes" and 50% @/:'))
    statements: list[str] = []

    def trace(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.set_trace_callback(statements.append)  # type: ignore[attr-defined]

    sa.event.listen(database.engine, "connect", trace, insert=True)
    try:
        database.migrate()
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # memory
            assert conn.exec_driver_sql("PRAGMA cipher_version").scalar()
    finally:
        database.dispose()
    pragmas = [s.lower() for s in statements if s.lower().startswith("pragma")]
    assert pragmas[0].startswith("pragma key")
    assert pragmas.index("pragma journal_mode=wal") > 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert is_encrypted(path)
    # The same passphrase opens it through `crypto.connect` (ATTACH ... KEY and PRAGMA key agree).
    conn = crypto.connect(path, Passphrase('with "quotes" and 50% @/:'))
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    finally:
        conn.close()


def test_the_write_ahead_log_of_an_encrypted_database_is_encrypted_too(encrypted: Path) -> None:
    from sqlmodel import Session

    database = open_database(url_of(encrypted), Passphrase(SECRET))
    try:
        with database.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")  # keep the rows in the -wal
            with Session(bind=conn) as db:
                create_group(db, name="Zephyr Walkabout", timezone="UTC")
                db.commit()
            conn.commit()
            wal = Path(f"{encrypted}-wal")
            assert wal.stat().st_size > 0
            assert b"Zephyr" not in wal.read_bytes()
            assert b"Zephyr" not in raw_bytes(encrypted)
    finally:
        database.dispose()


def test_the_passphrase_never_shows_in_reprs_or_messages(encrypted: Path) -> None:
    secret = Passphrase(SECRET)
    assert SECRET not in repr(secret) and SECRET not in str(secret) and SECRET not in f"{secret}"
    database = open_database(url_of(encrypted), secret)
    try:
        assert database.url == url_of(encrypted)
        for shown in (repr(database.engine), str(database.engine.url), repr(database.engine.url)):
            assert SECRET not in shown
        assert database.encrypted
    finally:
        database.dispose()
    with pytest.raises(WrongPassphrase) as caught:
        open_database(url_of(encrypted), Passphrase("a wrong passphrase"))
    assert str(caught.value) == f"wrong passphrase for {encrypted} (or the file is damaged)"
    with pytest.raises(UserError, match="is encrypted: it opens only with its passphrase"):
        open_database(url_of(encrypted))


def test_a_passphrase_for_a_plain_file_is_refused_clearly(db_file: Path) -> None:
    with pytest.raises(UserError, match="is not encrypted: it needs no passphrase"):
        open_database(url_of(db_file), Passphrase(SECRET))
    assert db_file.read_bytes().startswith(b"SQLite format 3\x00")


def test_opening_a_plain_database_never_imports_sqlcipher(db_file: Path) -> None:
    """Start-up stays as fast as before for everyone who does not encrypt."""
    code = (
        "import sys\n"
        "from facilitator.cli.context import AppState\n"
        f"AppState(db_url={url_of(db_file)!r}).database().dispose()\n"
        "print('sqlcipher3' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_an_encrypted_database_is_upgraded_with_an_encrypted_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    secret = Passphrase(SECRET)
    database = Database(url_of(path), secret)
    with database.migration_lock() as conn:
        runner.upgrade(conn, "0001")
    insert_previous_release_records(database.engine)
    database.dispose()
    assert is_encrypted(path)

    upgraded = open_database(url_of(path), secret)
    try:
        assert_previous_release_records(upgraded)
        backup = upgraded.backup
    finally:
        upgraded.dispose()
    assert backup is not None and is_encrypted(backup)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert b"Avery" not in backup.read_bytes() and b"SQLite format 3" not in backup.read_bytes()
    assert crypto.plaintext_backups(path) == []
    copy = crypto.connect(backup, secret)
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        copy.close()
    assert_unreadable(path)


# --- the TUI: the passphrase screen ------------------------------------------------------------


async def _type(pilot, app, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type `text` into the passphrase box and press enter; wait for the attempt to finish."""
    await pilot.press(*text, "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#passphrase-message", Label).content)


async def test_the_tui_opens_on_the_passphrase_screen_then_the_home_screen(
    encrypted: Path,
) -> None:
    crypto.change_passphrase(encrypted, Passphrase(SECRET), Passphrase("rightpass42"))
    app = make_unlock_app(url_of(encrypted), encrypted, HomeScreen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PassphraseScreen)
        box = app.screen.query_one("#passphrase", Input)
        assert box.password and box.has_focus
        assert app.database is None

        await _type(pilot, app, "wrongpass1")
        assert isinstance(app.screen, PassphraseScreen)
        assert f"wrong passphrase for {encrypted}" in _message(app)
        assert "2 tries left" in _message(app)
        assert box.value == "" and not box.disabled and box.has_focus
        assert "wrongpass1" not in _message(app)

        await _type(pilot, app, "rightpass42")
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#groups", DataTable)
        assert [str(table.get_row(k)[0]) for k in table.rows] == [GROUP]
        assert app.database is not None and app.database.encrypted
    assert app.error is None


async def test_three_wrong_passphrases_close_the_tui_with_a_clear_message(
    encrypted: Path,
) -> None:
    app = make_unlock_app(url_of(encrypted), encrypted, HomeScreen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for attempt in ("wrongpass1", "wrongpass2"):
            await _type(pilot, app, attempt)
            assert isinstance(app.screen, PassphraseScreen)
        await _type(pilot, app, "wrongpass3")
    assert app.return_code == 1
    assert app.error is not None
    assert str(app.error).startswith(f"wrong passphrase for {encrypted}")
    assert "gave up after 3 tries" in str(app.error)


async def test_escape_leaves_the_passphrase_screen_without_opening(encrypted: Path) -> None:
    app = make_unlock_app(url_of(encrypted), encrypted, HomeScreen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 1 and app.database is None
    assert app.error is not None and "was not opened" in str(app.error)


# --- a real terminal: hidden prompts and the TUI, end to end --------------------------------------


@pytest.mark.sqlite_only(reason="not about the backend, but slow: keep it off the PostgreSQL run")
def test_a_terminal_asks_hidden_and_allows_three_tries(encrypted: Path) -> None:
    app = PtyApp("--db", url_of(encrypted), "roster", "list", GROUP)
    try:
        app.wait_for("Passphrase for")
        app.type("badguess1\r")
        app.wait_for("try again")
        app.type(f"{SECRET}\r")
        app.wait_for(MEMBERS[0])
        assert app.proc.wait(30) == 0
    finally:
        app.close()
    screen = app.output.decode(errors="replace")
    assert "badguess1" not in screen and SECRET not in screen  # never echoed


@pytest.mark.sqlite_only(reason="not about the backend, but slow: keep it off the PostgreSQL run")
@pytest.mark.parametrize("command", [[], ["run", GROUP, "--checkin-port", "0"]])
def test_the_tui_commands_unlock_on_their_first_screen(encrypted: Path, command: list[str]) -> None:
    app = PtyApp("--db", url_of(encrypted), *command, env={"PYTHONUNBUFFERED": "1"})
    try:
        app.wait_for("This database is encrypted", timeout=40)
        app.type(f"{SECRET}\r")
        # The live screen's roster, or the home screen's hint.
        app.wait_for("Avery Quinn" if command else "Select a group", timeout=40)
        app.type("\x11")  # ctrl+q
        assert app.proc.wait(30) == 0
    finally:
        app.close()
    assert SECRET not in app.output.decode(errors="replace")
