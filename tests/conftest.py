"""Shared fixtures: a fresh database per test, a fake clock, a small fictional group."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.db import Database, open_database
from facilitator.timeutil import UTC

# Fictional people only.
NAMES = ["Avery Quinn", "Blake Moreno", "Casey Lindqvist", "Devon O'Hara", "Emery Zhou"]
START = dt.datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # Monday 09:00 in America/Chicago


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
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'test.db'}"


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
