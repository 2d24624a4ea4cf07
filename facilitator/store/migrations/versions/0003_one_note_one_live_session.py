"""One session note and one note per member per session; one live session per group.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Two laptops (or two windows) on one database could each save the first version of the same
note, or start the same group's session, at the same instant: the code checks first, but only
the database can make the check and the write one step. Three unique indexes do that; two are
partial (`WHERE participant_id IS NULL`, `WHERE state = 'live'`), which SQLite and PostgreSQL
both support.

A database that already holds such duplicates is not changed: the upgrade stops and names them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from facilitator.errors import UserError

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CHECKS = {
    "two notes for the same member in one session": (
        "SELECT session_id, participant_id FROM notes WHERE participant_id IS NOT NULL"
        " GROUP BY session_id, participant_id HAVING COUNT(*) > 1"
    ),
    "two session notes in one session": (
        "SELECT session_id, COUNT(*) FROM notes WHERE participant_id IS NULL"
        " GROUP BY session_id HAVING COUNT(*) > 1"
    ),
    "two live sessions of one group": (
        "SELECT group_id, COUNT(*) FROM sessions WHERE state = 'live'"
        " GROUP BY group_id HAVING COUNT(*) > 1"
    ),
}


def _refuse_duplicates() -> None:
    """Stop, naming what is duplicated, before adding the indexes."""
    found = []
    for what, query in _CHECKS.items():
        rows = op.get_bind().execute(sa.text(query)).all()
        if rows:
            found.append(f"{what} ({', '.join(str(tuple(r)) for r in rows[:5])})")
    if found:
        raise UserError(
            "the database holds " + "; ".join(found) + ": end or merge them, then start again"
        )


def upgrade() -> None:
    """Add the three unique indexes."""
    _refuse_duplicates()
    op.create_index("uq_notes_member_note", "notes", ["session_id", "participant_id"], unique=True)
    op.create_index(
        "uq_notes_session_note",
        "notes",
        ["session_id"],
        unique=True,
        sqlite_where=sa.text("participant_id IS NULL"),
        postgresql_where=sa.text("participant_id IS NULL"),
    )
    op.create_index(
        "uq_sessions_one_live_per_group",
        "sessions",
        ["group_id"],
        unique=True,
        sqlite_where=sa.text("state = 'live'"),
        postgresql_where=sa.text("state = 'live'"),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("uq_sessions_one_live_per_group", table_name="sessions")
    op.drop_index("uq_notes_session_note", table_name="notes")
    op.drop_index("uq_notes_member_note", table_name="notes")
