"""Run facilitator's Alembic revisions on a connection (imported only when one must run).

There is no `alembic.ini`: the `Config` is built here, pointing at this package, and the
caller's connection, already inside its locked transaction, is handed to `env.py`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

FOLDER = Path(__file__).resolve().parent


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for facilitator's revisions (and `connection`, if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run every revision after the stamped one, up to `revision`, on `connection`."""
    command.upgrade(config(connection), revision)


def downgrade(connection: Connection, revision: str) -> None:
    """Undo revisions down to `revision` (for tests and recovery by hand)."""
    command.downgrade(config(connection), revision)


def revisions() -> list[str]:
    """Every revision id in the scripts, oldest first."""
    script = ScriptDirectory.from_config(config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
