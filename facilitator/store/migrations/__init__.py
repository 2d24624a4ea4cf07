"""Schema migrations (Alembic), applied by `facilitator.store.database.open_database` at start.

Importing this package is cheap on purpose: it holds only the revision ids, so a database that
is already at `HEAD` opens without importing Alembic at all. The Alembic machinery lives in
`facilitator.store.migrations.runner`, imported only when a database must be created or upgraded.

To change the schema: edit `facilitator/store/models.py`, then run
`python -m facilitator.store.migrations new "what changed"`, review the generated file in
`versions/` (server defaults for new NOT NULL columns, batch mode for SQLite), and add its id
to `REVISIONS`. `tests/test_migrations.py` fails until the models and the migrations agree.
"""

from __future__ import annotations

from typing import Any

# Every revision in order, oldest first; the last is the schema the models describe.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD = REVISIONS[-1]


def legacy_revision(connection: Any) -> str:
    """The revision whose schema a database made by `create_all` before migrations has.

    Only two releases did that: the first (0001: `participants.external_id` merely indexed)
    and the one that made it unique (0002). No later database lacks a revision stamp.
    """
    import sqlalchemy as sa

    indexes = sa.inspect(connection).get_indexes("participants")
    return "0001" if any(i["name"] == "ix_participants_external_id" for i in indexes) else "0002"
