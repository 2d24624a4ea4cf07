"""Where facilitator keeps its data: the database URL and the user's folders."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from facilitator.errors import UserError

ENV_DB = "FACILITATOR_DB"
APP_NAME = "facilitator"


def data_dir() -> Path:
    """The per-user data folder (platformdirs), e.g. ~/.local/share/facilitator."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_curricula_dir() -> Path:
    """Where a user keeps their own curriculum files."""
    return data_dir() / "curricula"


def default_db_url() -> str:
    """The embedded default: a SQLite file in the user data folder."""
    return f"sqlite:///{data_dir() / 'facilitator.db'}"


def resolve_db_url(cli_value: str | None = None) -> str:
    """`--db` wins, then `FACILITATOR_DB`, then the default SQLite file."""
    if cli_value is not None:
        if not cli_value.strip():
            # `--db "$UNSET_VARIABLE"` must not quietly open the real default database.
            raise UserError("--db: the URL is empty (e.g. --db sqlite:///path/to/file.db)")
        return cli_value.strip()
    env = os.environ.get(ENV_DB, "").strip()
    return env or default_db_url()
