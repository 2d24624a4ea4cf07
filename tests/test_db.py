"""Where the data lives: `--db` / `FACILITATOR_DB` / the default file, its privacy, SQLite
settings, and clear one-line errors for a database that cannot be used."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from facilitator import config
from facilitator.cli import app
from facilitator.db import Database, open_database
from facilitator.errors import UserError
from facilitator.models import Group, Membership

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


def test_an_explicit_sqlite_file_is_created_owner_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "new" / "deeper" / "clinic.db"
    open_database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_home_in_a_sqlite_url_is_expanded() -> None:
    database = open_database("sqlite:///~/mine.db")
    database.dispose()
    assert (Path(os.environ["HOME"]) / "mine.db").is_file()


def test_reopening_keeps_the_data(db_url: str) -> None:
    runner.invoke(app, ["--db", db_url, "group", "add", "Morning"])
    runner.invoke(app, ["--db", db_url, "group", "add", "Evening"])
    assert group_names(db_url) == ["Evening", "Morning"]


# --- SQLite settings ------------------------------------------------------------------------------


def test_sqlite_uses_wal_and_enforces_foreign_keys(database: Database) -> None:
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(sa.exc.IntegrityError), database.session() as db:
        db.add(Membership(group_id=999, participant_id=999, joined=dt.date(2026, 11, 16)))


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


def test_a_file_that_is_not_a_database_is_a_user_error(not_a_database: Path) -> None:
    with pytest.raises(UserError, match="not a database"):
        open_database(f"sqlite:///{not_a_database}")
    assert not_a_database.read_text(encoding="utf-8").startswith("this is not a database")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("nonsense", "no driver"),
        ("under-a-file", "cannot create the database"),
        ("not-a-database", "not a database"),
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
