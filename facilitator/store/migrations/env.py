"""Alembic environment: run with a connection handed over in `config.attributes["connection"]`.

facilitator never needs an `alembic.ini`: `facilitator.store.migrations.runner` builds the `Config`
in code and passes the connection it has already locked (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
an advisory lock) inside an open transaction, so the whole upgrade commits or rolls back as one.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

from facilitator.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write plain SQLAlchemy types into new revisions, never the models' own (SQLModel's
    AutoString, facilitator's UTCDateTime): a revision must not change when the models do."""
    if kind == "type" and isinstance(obj, sa.types.TypeEngine):
        plain = obj.impl_instance if isinstance(obj, sa.types.TypeDecorator) else obj
        if isinstance(plain, sa.String) and type(plain).__module__.startswith("sqlmodel"):
            plain = sa.String(plain.length)
        if type(plain).__module__.startswith("sqlalchemy"):
            return f"sa.{plain!r}"
    return False


def run_migrations() -> None:
    """Configure Alembic on the caller's connection and run the requested revisions."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "facilitator's migrations run through facilitator.store.database.open_database "
            "(or `python -m facilitator.store.migrations new`), not the alembic command line"
        )
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():  # a no-op: the caller owns the transaction
        context.run_migrations()


# Alembic loads this file by path (as `env_py`) and expects it to run; imported as
# `facilitator.store.migrations.env` (e.g. by a test importing every module) it only defines.
if not __name__.startswith("facilitator."):
    run_migrations()
