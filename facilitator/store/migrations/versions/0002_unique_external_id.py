"""A participant's external id (the clinic's record number) is unique, not just indexed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-16

Roster import and session import match members by `external_id`, so two members sharing one
would be merged or mixed up. The plain index `ix_participants_external_id` becomes a unique
constraint, made exactly as `create_all` makes `unique=True` today: unnamed inside the table on
SQLite (batch mode copies the table), `participants_external_id_key` on PostgreSQL.

A database whose members already share an external id is not changed: the upgrade stops with a
message naming them, for a person to decide which record is right.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from facilitator.errors import UserError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _refuse_duplicates() -> None:
    """Stop, naming every shared external id, before touching the table."""
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT p.external_id, p.id, p.name FROM participants AS p"
                " WHERE p.external_id IN (SELECT external_id FROM participants"
                " WHERE external_id IS NOT NULL GROUP BY external_id HAVING COUNT(*) > 1)"
                " ORDER BY p.external_id, p.id"
            )
        )
        .all()
    )
    if not rows:
        return
    shared: dict[str, list[str]] = {}
    for external_id, participant_id, name in rows:
        shared.setdefault(external_id, []).append(f"#{participant_id} {name}")
    listed = "; ".join(f"{key!r}: {', '.join(who)}" for key, who in shared.items())
    raise UserError(
        "members share an external id, which must now be unique "
        f"({listed}); give each member their own external id (or none) and start again"
    )


def _participants(*, unique: bool) -> sa.Table:
    """The participants table as 0001 (`unique=False`) or 0002 left it, for SQLite's copy."""
    return sa.Table(
        "participants",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=True, unique=unique),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )


def upgrade() -> None:
    """Replace the external_id index with a unique constraint."""
    _refuse_duplicates()
    if op.get_bind().dialect.name == "sqlite":
        # Copy the table into the new definition (the index goes with the old table), so the
        # result is exactly what create_all makes today: `UNIQUE (external_id)`, unnamed.
        with op.batch_alter_table(
            "participants", recreate="always", copy_from=_participants(unique=True)
        ):
            pass
    else:
        op.drop_index("ix_participants_external_id", table_name="participants")
        op.create_unique_constraint("participants_external_id_key", "participants", ["external_id"])


def downgrade() -> None:
    """Back to a plain index."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "participants", recreate="always", copy_from=_participants(unique=False)
        ):
            pass
    else:
        op.drop_constraint("participants_external_id_key", "participants", type_="unique")
    op.create_index("ix_participants_external_id", "participants", ["external_id"])
