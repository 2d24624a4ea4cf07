"""Members over time: membership periods, discharge reasons, archived groups, voided sessions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

- `memberships`: one row is now one *period* (a readmitted member has a new one), so the unique
  (group_id, participant_id) constraint goes; a partial unique index keeps at most one open period
  (`left IS NULL`) per member; `reason` says why a period ended. SQLite copies the table (batch
  mode) to drop the unnamed constraint; its rows are kept as they are.
- `groups.archived`: hidden from the home screen and `group list`; false for every existing group.
- `sessions.void_reason`: why a session started by mistake was voided (state `void`).
- `settings`: small key/value settings of the database (the name of the person at the keyboard).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN = sa.text('"left" IS NULL')


def _memberships(*, unique: bool) -> sa.Table:
    """The memberships table's columns as 0001 made them, with or without its unique pair."""
    return sa.Table(
        "memberships",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("joined", sa.Date(), nullable=False),
        sa.Column("left", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"]),
        *([sa.UniqueConstraint("group_id", "participant_id")] if unique else []),
    )


def upgrade() -> None:
    """Periods, reasons, archive flag, void reason, settings."""
    if op.get_bind().dialect.name == "sqlite":
        # Copy the rows into a table without the unnamed unique pair, then add the column.
        with op.batch_alter_table(
            "memberships", recreate="always", copy_from=_memberships(unique=False)
        ) as batch:
            batch.add_column(sa.Column("reason", sa.String(), nullable=True))
    else:
        op.drop_constraint("memberships_group_id_participant_id_key", "memberships", type_="unique")
        op.add_column("memberships", sa.Column("reason", sa.String(), nullable=True))
    op.create_index("ix_memberships_group_id", "memberships", ["group_id"], if_not_exists=True)
    op.create_index(
        "ix_memberships_participant_id", "memberships", ["participant_id"], if_not_exists=True
    )
    op.create_index(
        "uq_memberships_one_open_period",
        "memberships",
        ["group_id", "participant_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.add_column(
        "groups",
        sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("sessions", sa.Column("void_reason", sa.String(), nullable=True))
    op.create_table(
        "settings",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    """Back to one membership per member (refused if a member has several periods)."""
    several = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT group_id, participant_id FROM memberships"
                " GROUP BY group_id, participant_id HAVING COUNT(*) > 1"
            )
        )
        .first()
    )
    if several is not None:
        raise RuntimeError("members have several membership periods; cannot downgrade")
    op.drop_table("settings")
    op.drop_column("sessions", "void_reason")
    op.drop_column("groups", "archived")
    op.drop_index("uq_memberships_one_open_period", table_name="memberships")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "memberships", recreate="always", copy_from=_memberships(unique=True)
        ):
            pass
        op.create_index("ix_memberships_group_id", "memberships", ["group_id"], if_not_exists=True)
        op.create_index(
            "ix_memberships_participant_id", "memberships", ["participant_id"], if_not_exists=True
        )
    else:
        op.drop_column("memberships", "reason")
        op.create_unique_constraint(
            "memberships_group_id_participant_id_key", "memberships", ["group_id", "participant_id"]
        )
