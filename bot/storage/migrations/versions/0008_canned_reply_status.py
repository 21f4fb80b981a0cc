"""canned_reply.status, proposed_by and key: advisors propose replies an admin approves; shipped replies keep their key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("canned_reply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="approved", nullable=False))
        batch_op.add_column(sa.Column("proposed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_canned_reply_status"), ["status"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_canned_reply_proposed_by_account"), "account", ["proposed_by"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("canned_reply", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_canned_reply_proposed_by_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_canned_reply_status"))
        batch_op.drop_column("key")
        batch_op.drop_column("proposed_by")
        batch_op.drop_column("status")
