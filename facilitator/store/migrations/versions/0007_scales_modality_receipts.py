"""Check-in scales, modality, the room's size, and the one-time receipts of the greeting page.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

- `groups.checkin_scales`: the scales the greeting page asks (`craving`, `mood` or
  `craving,mood`); null (none) for every existing group.
- `groups.max_members`: the number checked in above which the live screen warns; 12 for every
  existing group.
- `attendance.modality`: `in_person` (every existing record) or `telehealth`.
- `attendance.craving`, `attendance.mood`: 0-10 as answered at check-in; null when not answered.
- `receipts`: one-time tokens bound to an attendance of a session; deleted with it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns and the receipts table."""
    op.add_column("groups", sa.Column("checkin_scales", sa.String(), nullable=True))
    op.add_column(
        "groups", sa.Column("max_members", sa.Integer(), nullable=False, server_default="12")
    )
    op.add_column(
        "attendance",
        sa.Column("modality", sa.String(), nullable=False, server_default="in_person"),
    )
    op.add_column("attendance", sa.Column("craving", sa.Integer(), nullable=True))
    op.add_column("attendance", sa.Column("mood", sa.Integer(), nullable=True))
    op.create_table(
        "receipts",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["attendance_id"], ["attendance.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_receipts_attendance_id", "receipts", ["attendance_id"])
    op.create_index("ix_receipts_session_id", "receipts", ["session_id"])


def downgrade() -> None:
    """Drop them (answers, modality and receipts are lost)."""
    op.drop_index("ix_receipts_session_id", table_name="receipts")
    op.drop_index("ix_receipts_attendance_id", table_name="receipts")
    op.drop_table("receipts")
    with op.batch_alter_table("attendance") as batch:
        batch.drop_column("mood")
        batch.drop_column("craving")
        batch.drop_column("modality")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("max_members")
        batch.drop_column("checkin_scales")
