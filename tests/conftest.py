"""Shared fixtures: a fresh database per test, a fake clock, a small fictional group.

The database is a SQLite file, or a throwaway database on a real PostgreSQL server when
`FACILITATOR_TEST_DB_URL` names one (see `tests/backend.py`). Tests about SQLite itself carry
`@pytest.mark.sqlite_only(reason=...)` and are skipped on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from facilitator.common.clock import FakeClock
from facilitator.common.timeutil import UTC
from facilitator.store.database import Database, open_database

from .backend import ENV_TEST_DB, backend_name, check_server, server_url, throwaway_db_url

# Fictional people only.
NAMES = ["Avery Quinn", "Blake Moreno", "Casey Lindqvist", "Devon O'Hara", "Emery Zhou"]
START = dt.datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # Monday 09:00 in America/Chicago


_SERVER_VERSION = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a bad switch, or an unreachable server, once and clearly."""
    try:
        server = server_url()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if server is None:
        config.stash[_SERVER_VERSION] = ""
        return
    try:
        config.stash[_SERVER_VERSION] = check_server()
    except Exception as exc:  # any driver error: say which server and why
        shown = server.render_as_string(hide_password=True)
        message = " ".join(str(exc).split())
        raise pytest.UsageError(f"{ENV_TEST_DB}={shown}: cannot connect: {message}") from None


def pytest_report_header(config: pytest.Config) -> str:
    """Say which backend this run is on, so a CI log cannot be misread."""
    server = server_url()
    if server is None:
        return f"database backend: sqlite (a file per test; set {ENV_TEST_DB} for PostgreSQL)"
    shown = server.render_as_string(hide_password=True)
    return f"database backend: postgresql {config.stash[_SERVER_VERSION]} at {shown}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, skip the tests about SQLite itself (with their reason)."""
    if backend_name() == "sqlite":
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite-specific: {why}".rstrip(": ")))


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the real user data folder or database from a test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("FACILITATOR_DB", raising=False)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test: a SQLite file, or a PostgreSQL database (dropped)."""
    with throwaway_db_url(tmp_path) as url:
        yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """An opened, empty database."""
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when told, starting Monday 2026-11-16 09:00 Chicago."""
    return FakeClock(START)
