"""inbound_update: Telegram updates fetched but not yet handled (the backlog under load, safe from a crash)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_update",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "update_id", name=op.f("pk_inbound_update")),
    )


def downgrade() -> None:
    op.drop_table("inbound_update")
