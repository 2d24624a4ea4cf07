"""`python -m facilitator.store.migrations new "what changed"`: draft the next revision.

Builds a throwaway SQLite database at the current head, compares it with the models and
writes the difference as `versions/NNNN_what_changed.py`, for a person to review: give new
NOT NULL columns a `server_default` (existing rows need a value), and check that SQLite's
batch copy keeps what it should.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

USAGE = 'usage: python -m facilitator.store.migrations new "what changed"'


def main(argv: list[str]) -> int:
    """Write the next revision; 2 on a usage error."""
    if len(argv) != 2 or argv[0] != "new" or not argv[1].strip():
        print(USAGE, file=sys.stderr)
        return 2
    from alembic import command

    from facilitator.store.database import Database
    from facilitator.store.migrations import REVISIONS, runner

    with tempfile.TemporaryDirectory(prefix="facilitator-revision-") as folder:
        database = Database(f"sqlite:///{folder}/head.db")
        try:
            with database.migration_lock() as conn:
                runner.upgrade(conn, "head")
                script = command.revision(
                    runner.config(conn),
                    message=argv[1].strip(),
                    autogenerate=True,
                    rev_id=f"{len(REVISIONS) + 1:04d}",
                )
        finally:
            database.dispose()
    scripts = script if isinstance(script, list) else [script]
    for made in scripts:
        if made is not None:
            ruff = shutil.which("ruff") or shutil.which(
                "ruff", path=str(Path(sys.executable).parent)
            )
            if ruff:
                subprocess.run([ruff, "format", "--quiet", made.path], check=False)
            print(f"wrote {made.path}; review it, then add {made.revision!r} to REVISIONS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
