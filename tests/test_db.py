"""Where the data lives: `--db` / `FACILITATOR_DB` / the default file, its privacy, SQLite
settings, and clear one-line errors for a database that cannot be used."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import select
from typer.testing import CliRunner

from facilitator import config
from facilitator.cli import app
from facilitator.errors import UserError
from facilitator.store import engine as db_module
from facilitator.store.database import Database, open_database
from facilitator.store.migrations import runner as migrations_runner
from facilitator.store.models import Group, Membership

from .conftest import run_obeying_permissions

runner = CliRunner()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point: a UserError becomes `error: ...` on stderr and exit status 1."""
    return subprocess.run(
        [sys.executable, "-m", "facilitator", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=60,
    )


def group_names(url: str) -> list[str]:
    """The groups stored in the database at `url`."""
    database = open_database(url)
    try:
        with database.session() as db:
            return [g.name for g in db.exec(select(Group).order_by(Group.name)).all()]
    finally:
        database.dispose()


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A common umask (022), so owner-only modes cannot come from the umask by accident."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def data_home() -> Path:
    """The XDG data folder the autouse fixture points at a temporary directory."""
    return Path(os.environ["XDG_DATA_HOME"])


# --- which database -------------------------------------------------------------------------


def test_db_option_beats_environment_beats_default(monkeypatch: pytest.MonkeyPatch) -> None:
    default = f"sqlite:///{data_home() / 'facilitator' / 'facilitator.db'}"
    assert config.default_db_url() == default
    assert config.resolve_db_url(None) == default
    monkeypatch.setenv("FACILITATOR_DB", "sqlite:////srv/env.db")
    assert config.resolve_db_url(None) == "sqlite:////srv/env.db"
    assert config.resolve_db_url("sqlite:////srv/option.db") == "sqlite:////srv/option.db"
    monkeypatch.setenv("FACILITATOR_DB", "   ")
    assert config.resolve_db_url(None) == default


def test_cli_writes_to_the_database_chosen_by_option_then_environment(tmp_path: Path) -> None:
    option, env = f"sqlite:///{tmp_path / 'option.db'}", f"sqlite:///{tmp_path / 'env.db'}"
    both = runner.invoke(
        app, ["--db", option, "group", "add", "Chosen by option"], env={"FACILITATOR_DB": env}
    )
    assert both.exit_code == 0, both.output
    only_env = runner.invoke(app, ["group", "add", "Chosen by env"], env={"FACILITATOR_DB": env})
    assert only_env.exit_code == 0, only_env.output
    neither = runner.invoke(app, ["group", "add", "Default"])
    assert neither.exit_code == 0, neither.output

    assert group_names(option) == ["Chosen by option"]
    assert group_names(env) == ["Chosen by env"]
    assert group_names(config.default_db_url()) == ["Default"]


def test_an_empty_db_option_is_refused_rather_than_opening_the_default() -> None:
    result = runner.invoke(app, ["--db", "", "group", "list"])
    assert isinstance(result.exception, UserError)
    assert "--db" in str(result.exception)
    assert not (data_home() / "facilitator" / "facilitator.db").exists()


# --- the default file: created on first use, owner only ----------------------------------------


@pytest.mark.sqlite_only(reason="file and folder permissions of the default SQLite file")
def test_default_database_is_created_owner_only(permissive_umask: None) -> None:
    folder = data_home() / "facilitator"
    assert not folder.exists()

    result = runner.invoke(app, ["group", "add", "Evening IOP"])

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.glob("facilitator.db*"))  # the file and its WAL companions
    assert folder / "facilitator.db" in files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert group_names(config.default_db_url()) == ["Evening IOP"]


@pytest.mark.sqlite_only(reason="file and folder permissions of a SQLite file")
def test_an_explicit_sqlite_file_is_created_owner_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "new" / "deeper" / "clinic.db"
    open_database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.sqlite_only(reason="`~` in a SQLite file path")
def test_home_in_a_sqlite_url_is_expanded() -> None:
    database = open_database("sqlite:///~/mine.db")
    database.dispose()
    assert (Path(os.environ["HOME"]) / "mine.db").is_file()


def test_reopening_keeps_the_data(db_url: str) -> None:
    runner.invoke(app, ["--db", db_url, "group", "add", "Morning"])
    runner.invoke(app, ["--db", db_url, "group", "add", "Evening"])
    assert group_names(db_url) == ["Evening", "Morning"]


# --- SQLite settings ------------------------------------------------------------------------------


@pytest.mark.sqlite_only(reason="SQLite pragmas")
def test_sqlite_uses_wal_and_enforces_foreign_keys(database: Database) -> None:
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError), database.session() as db:
        db.add(Membership(group_id=999, participant_id=999, joined=dt.date(2026, 11, 16)))


@pytest.mark.sqlite_only(reason="SQLite's in-memory database")
def test_in_memory_database_is_shared_between_threads() -> None:
    database = open_database("sqlite://")
    with database.session() as db:
        db.add(Group(name="Threads"))
    seen: list[str] = []

    def read() -> None:
        with database.session() as db:
            seen.extend(g.name for g in db.exec(select(Group)).all())

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    assert seen == ["Threads"]


def test_a_failed_unit_of_work_writes_nothing(database: Database) -> None:
    with pytest.raises(UserError), database.session() as db:
        db.add(Group(name="Half written"))
        db.flush()
        raise UserError("something was wrong with the input")
    assert group_names(database.url) == []


@pytest.mark.sqlite_only(reason="a SQLite file opened read-only")
def test_writing_to_a_read_only_database_is_a_user_error(db_url: str, tmp_path: Path) -> None:
    open_database(db_url).dispose()
    read_only = f"sqlite:///file:{tmp_path / 'test.db'}?mode=ro&uri=true"
    result = runner.invoke(app, ["--db", read_only, "group", "add", "Nope"])
    assert isinstance(result.exception, UserError)
    assert "readonly" in str(result.exception)
    assert "\n" not in str(result.exception)


# --- unusable databases: one line, no traceback ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense://", "no driver for 'nonsense'"),
        ("not a url at all", "is not a database URL"),
        ("mysql+nosuchdriver://user@localhost/db", "no driver"),
    ],
)
def test_bad_urls_are_user_errors(url: str, expected: str) -> None:
    with pytest.raises(UserError, match=expected) as caught:
        open_database(url)
    assert "\n" not in str(caught.value)


def test_unreachable_postgres_server_is_one_line_without_the_password() -> None:
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://clinic:s3cret-pw@127.0.0.1:1/facilitator?connect_timeout=2"
    with pytest.raises(UserError, match="cannot open the database") as caught:
        open_database(url)
    assert "\n" not in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)


@pytest.fixture
def not_a_database(tmp_path: Path) -> Path:
    """A text file where a database is expected."""
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database\n" * 100, encoding="utf-8")
    return path


@pytest.mark.sqlite_only(reason="a text file where a SQLite file is expected")
def test_a_file_that_is_not_a_database_is_a_user_error(not_a_database: Path) -> None:
    with pytest.raises(UserError, match="not a database"):
        open_database(f"sqlite:///{not_a_database}")
    assert not_a_database.read_text(encoding="utf-8").startswith("this is not a database")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("nonsense", "no driver"),
        pytest.param(
            "under-a-file",
            "cannot create the database",
            marks=pytest.mark.sqlite_only(reason="a SQLite file that cannot be created"),
        ),
        pytest.param(
            "not-a-database",
            "not a database",
            marks=pytest.mark.sqlite_only(reason="a text file where a SQLite file is expected"),
        ),
    ],
)
def test_unusable_database_exits_1_with_one_line(
    kind: str, expected: str, tmp_path: Path, not_a_database: Path
) -> None:
    url = {
        "nonsense": "nonsense://",
        # A folder that cannot be made, even by root: its parent is a plain file.
        "under-a-file": f"sqlite:///{not_a_database}/sub/facilitator.db",
        "not-a-database": f"sqlite:///{not_a_database}",
    }[kind]
    result = run_cli("--db", url, "group", "list")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


# --- locked, read-only, full, missing: a clear line, never a traceback -------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up on another program's lock after 0.2 s instead of 10 s."""
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 200)


def one_line_error(result: Any) -> str:
    """The UserError a CliRunner invocation ended with, checked to be one line."""
    assert isinstance(result.exception, UserError), result.output
    message = str(result.exception)
    assert "\n" not in message
    return message


@pytest.mark.sqlite_only(reason="a SQLite file locked by another program")
def test_a_locked_database_is_a_clear_user_error(db_url: str, short_busy_timeout: None) -> None:
    open_database(db_url).dispose()
    path = db_module.sqlite_path(db_url)
    other = sqlite3.connect(path, isolation_level=None)  # e.g. a DB browser left open
    other.execute("BEGIN EXCLUSIVE")
    try:
        result = runner.invoke(app, ["--db", db_url, "group", "add", "Blocked"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    message = one_line_error(result)
    assert f"the database {path} is busy: another program is holding it" in message
    assert "database is locked" in message
    retry = runner.invoke(app, ["--db", db_url, "group", "add", "Blocked"])
    assert retry.exit_code == 0, retry.output
    assert group_names(db_url) == ["Blocked"]


@pytest.mark.sqlite_only(reason="a SQLite file locked by another program")
def test_a_database_locked_while_its_tables_are_made_is_a_clear_user_error(
    tmp_path: Path, short_busy_timeout: None
) -> None:
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(UserError, match="is busy: another program") as caught:
            open_database(f"sqlite:///{path}")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "\n" not in str(caught.value)
    open_database(f"sqlite:///{path}").dispose()  # fine once the other program lets go


@pytest.mark.sqlite_only(reason="file and folder permissions of a SQLite file")
def test_a_read_only_file_and_folder_is_a_clear_user_error(tmp_path: Path) -> None:
    folder = tmp_path / "locked-down"
    url = f"sqlite:///{folder / 'clinic.db'}"
    open_database(url).dispose()
    os.chmod(folder / "clinic.db", 0o400)
    os.chmod(folder, 0o500)
    try:  # as root too (CI): without the capabilities that let root ignore permissions
        run = run_obeying_permissions("--db", url, "group", "add", "Nope")
    finally:
        os.chmod(folder, 0o700)
        os.chmod(folder / "clinic.db", 0o600)
    assert run.returncode == 1 and run.stdout == "", run.stderr
    assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
    assert str(folder / "clinic.db") in run.stderr and "read-only" in run.stderr
    database = open_database(url)
    try:
        with database.session() as db:  # nothing was written
            assert db.exec(select(Group)).all() == []
    finally:
        database.dispose()


@pytest.mark.sqlite_only(reason="a SQLite file opened read-only")
def test_a_read_only_database_that_needs_an_upgrade_is_refused_unchanged(
    db_url: str, tmp_path: Path
) -> None:
    database = Database(db_url)
    with database.migration_lock() as conn:
        migrations_runner.upgrade(conn, "0001")
    database.dispose()
    read_only = f"sqlite:///file:{tmp_path / 'test.db'}?mode=ro&uri=true"

    result = runner.invoke(app, ["--db", read_only, "group", "list"])

    message = one_line_error(result)
    assert f"the database {tmp_path / 'test.db'} is read-only" in message
    check = sqlite3.connect(tmp_path / "test.db")
    try:
        assert check.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    finally:
        check.close()


@pytest.mark.sqlite_only(reason="SQLite's page limit stands in for a full disk")
def test_a_full_database_is_a_clear_user_error(database: Database) -> None:
    with pytest.raises(UserError) as caught, database.session() as db:
        conn = db.connection()
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.exec_driver_sql(f"PRAGMA max_page_count={pages}")
        for number in range(500):
            db.add(Group(name=f"Group {number} " + "x" * 400))
        db.flush()
    message = str(caught.value)
    assert message.startswith(f"the database {db_module.sqlite_path(database.url)} is full")
    assert "database or disk is full" in message and "free some disk space" in message
    assert "\n" not in message
    database.dispose()  # the connection with the page limit goes
    assert group_names(database.url) == []


@pytest.mark.sqlite_only(reason="SQLite's page limit stands in for a full disk")
def test_a_disk_full_while_making_the_tables_leaves_no_half_made_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_pragmas = db_module._sqlite_pragmas

    def tiny(dbapi_connection: Any, record: Any) -> None:
        real_pragmas(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA max_page_count=8")

    monkeypatch.setattr(db_module, "_sqlite_pragmas", tiny)
    path = tmp_path / "small.db"
    with pytest.raises(UserError, match="is full") as caught:
        open_database(f"sqlite:///{path}")
    assert "\n" not in str(caught.value)
    check = sqlite3.connect(path)
    try:
        assert check.execute("SELECT name FROM sqlite_master").fetchall() == []
    finally:
        check.close()


@pytest.mark.sqlite_only(reason="a SQLite file that is not there")
def test_a_missing_database_file_is_a_clear_user_error(tmp_path: Path) -> None:
    # `mode=rw` opens an existing file only: SQLite will not create it.
    missing = tmp_path / "gone" / "clinic.db"
    with pytest.raises(UserError) as caught:
        open_database(f"sqlite:///file:{missing}?mode=rw&uri=true")
    message = str(caught.value)
    assert message.startswith(f"cannot open the database {missing}")
    assert message.endswith("the file or its folder is missing") and "\n" not in message


def test_a_read_only_postgres_database_is_a_clear_user_error(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a server-side read-only transaction")
    url = (
        make_url(db_url)
        .update_query_dict({"options": "-c default_transaction_read_only=on"})
        .render_as_string(hide_password=False)
    )
    with pytest.raises(UserError, match="is read-only") as caught:
        open_database(url)
    assert "\n" not in str(caught.value)


def test_a_locked_postgres_table_is_a_clear_user_error(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a table lock held by another connection")
    open_database(db_url).dispose()
    url = (
        make_url(db_url)
        .update_query_dict({"options": "-c lock_timeout=200"})
        .render_as_string(hide_password=False)
    )
    holder = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with holder.connect() as other:
            other.exec_driver_sql("LOCK TABLE groups IN ACCESS EXCLUSIVE MODE")
            result = runner.invoke(app, ["--db", url, "group", "add", "Blocked"])
            other.rollback()
    finally:
        holder.dispose()
    assert "is busy: another program is holding it" in one_line_error(result)


@pytest.mark.sqlite_only(reason="SQLite files that cannot be opened")
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("missing-folder", "the file or its folder is missing"),
        ("read-only-old-schema", "is read-only"),
    ],
)
def test_unopenable_database_exits_1_with_one_line(
    kind: str, expected: str, tmp_path: Path
) -> None:
    if kind == "missing-folder":
        url = f"sqlite:///file:{tmp_path / 'gone' / 'x.db'}?mode=rw&uri=true"
    else:
        path = tmp_path / "old.db"
        database = Database(f"sqlite:///{path}")
        with database.migration_lock() as conn:
            migrations_runner.upgrade(conn, "0001")
        database.dispose()
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = run_cli("--db", url, "group", "list")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
