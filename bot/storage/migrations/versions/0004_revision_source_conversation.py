"""entry_revision.source_conversation_id: a draft made from an advisor's reply goes with its conversation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_revision") as batch:
        batch.add_column(sa.Column("source_conversation_id", sa.Integer(), nullable=True))
        batch.create_index("ix_entry_revision_source_conversation_id", ["source_conversation_id"])
        batch.create_foreign_key(
            "fk_entry_revision_source_conversation_id_conversation",
            "conversation",
            ["source_conversation_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("entry_revision") as batch:
        batch.drop_constraint("fk_entry_revision_source_conversation_id_conversation", type_="foreignkey")
        batch.drop_index("ix_entry_revision_source_conversation_id")
        batch.drop_column("source_conversation_id")
