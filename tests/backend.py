"""Which database the tests run on: a SQLite file (default) or a real PostgreSQL server.

Set `FACILITATOR_TEST_DB_URL` to a PostgreSQL server URL (for example
`postgresql+psycopg://postgres@127.0.0.1:55432/postgres`) and every test gets its own throwaway
database on that server, created before the test and dropped after it. Unset, every test gets a
fresh SQLite file in its temporary folder, as always.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

ENV_TEST_DB = "FACILITATOR_TEST_DB_URL"


def server_url() -> URL | None:
    """The PostgreSQL server the tests should use, or None for SQLite files."""
    raw = os.environ.get(ENV_TEST_DB, "").strip()
    if not raw:
        return None
    url = make_url(raw)
    if not url.drivername.startswith("postgresql"):
        raise ValueError(
            f"{ENV_TEST_DB} must be a PostgreSQL server URL "
            f"(postgresql+psycopg://USER@HOST:PORT/postgres), not {url.drivername!r}; "
            "leave it unset for SQLite"
        )
    return url


def backend_name() -> str:
    """`postgresql` when the switch is set, else `sqlite`."""
    return "sqlite" if server_url() is None else "postgresql"


def _admin_engine(server: URL) -> Engine:
    """A connection outside any transaction: CREATE/DROP DATABASE cannot run inside one."""
    return sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def check_server() -> str:
    """Connect once (a clear failure up front, not 238 errors); returns the server's version."""
    server = server_url()
    assert server is not None
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()


@contextmanager
def throwaway_db_url(folder: Path) -> Iterator[str]:
    """A URL to a fresh, empty database, removed afterwards (SQLite: a file in `folder`)."""
    server = server_url()
    if server is None:
        yield f"sqlite:///{folder / 'test.db'}"
        return
    name = f"test_{uuid.uuid4().hex}"
    admin = _admin_engine(server)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            # FORCE: a leaked engine or a killed subprocess may still hold a connection.
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
