"""Schedules: when a group meets, and the scheduled days on which it did not.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

- `groups.meets`: the `--meets` spec in its canonical form; null (no schedule) for every
  existing group.
- `cancellations`: one row per group and local date on which a scheduled meeting did not happen,
  with its reason and who recorded it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the schedule column and the cancellations table."""
    op.add_column("groups", sa.Column("meets", sa.String(), nullable=True))
    op.create_table(
        "cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "local_date"),
    )
    op.create_index("ix_cancellations_group_id", "cancellations", ["group_id"])


def downgrade() -> None:
    """Drop them (cancellations are lost)."""
    op.drop_index("ix_cancellations_group_id", table_name="cancellations")
    op.drop_table("cancellations")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("meets")
