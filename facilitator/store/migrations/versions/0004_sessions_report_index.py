"""An index for the attendance report: a group's sessions by state and date.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Without it SQLite chose `ix_sessions_state` and scanned every ended session of the clinic for
each member: a five-year, one-group report took 4.8 s; with it, 0.4 s (BENCHMARKS.md).
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_sessions_group_state_date", "sessions", ["group_id", "state", "local_date"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_sessions_group_state_date", table_name="sessions")
