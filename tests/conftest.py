"""Shared fixtures: a fresh database per test, a fake clock, a small fictional group.

The database is a SQLite file, or a throwaway database on a real PostgreSQL server when
`FACILITATOR_TEST_DB_URL` names one (see `tests/backend.py`). Tests about SQLite itself carry
`@pytest.mark.sqlite_only(reason=...)` and are skipped on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from facilitator.common.clock import FakeClock
from facilitator.common.timeutil import UTC
from facilitator.store.database import Database, open_database

from .backend import ENV_TEST_DB, backend_name, check_server, server_url, throwaway_db_url

T = TypeVar("T")

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


# Root ignores file permissions through these capabilities; without them it obeys the mode bits
# of the files it owns, as any user does.
_PERMISSION_CAPS = "-dac_override,-dac_read_search,-fowner"


@functools.cache
def _permissions_prefix() -> tuple[str, ...] | None:
    """What runs a command so that file permissions bind it; None when nothing can."""
    if os.name != "posix":
        return None
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = (setpriv, f"--bounding-set={_PERMISSION_CAPS}", "--")
    probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
    return prefix if probe.returncode == 0 else None


def run_obeying_permissions(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`facilitator ARGS...` in a subprocess that file permissions bind: as this user, or (when
    the tests run as root, as CI does) as root without the capabilities that let it ignore them,
    through `setpriv`. Skips the test only when neither is possible."""
    prefix = _permissions_prefix()
    if prefix is None:
        pytest.skip("file permissions cannot bind here: root, and no setpriv to drop the override")
    return subprocess.run(
        [*prefix, sys.executable, "-m", "facilitator", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
    )


def wait_until(condition: Callable[[], T], what: str, *, timeout: float = 20.0) -> T:
    """Poll `condition` until it returns something true (returned); fail naming `what` once
    `timeout` seconds have passed. The bound is for a stuck run, not a speed requirement."""
    end = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.05)


async def pilot_until(
    pilot: Any, condition: Callable[[], T], what: str, *, rounds: int = 1500
) -> T:
    """Let the app run, a moment at a time, until `condition` holds (returned); fail naming
    `what` after `rounds` moments (30 s): the bound is for a stuck app, not a speed requirement."""
    for _ in range(rounds):
        found = condition()
        if found:
            return found
        await pilot.pause(0.02)
    raise AssertionError(f"{what}: not after {rounds} rounds; on {pilot.app.screen!r}")


def finishes_within(seconds: float, call: Callable[[], T]) -> T:
    """`call()`'s result, or a failure if it has not returned after `seconds`: a hang (say, a
    hostile file that makes a parser spin) fails the test instead of stalling the suite."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # re-raised in the test's own thread
            outcome.append((False, exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise AssertionError(f"still running after {seconds:.0f} s")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]
