"""account.availability and advises, the teamlead role (checked), conversation index for the archive

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("availability", sa.String(length=16), nullable=False, server_default="available"))
        batch.add_column(sa.Column("advises", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_check_constraint("ck_account_role", "role IN ('advisor', 'teamlead', 'editor', 'admin')")
        batch.create_check_constraint("ck_account_availability", "availability IN ('available', 'away')")
    op.create_index("ix_conversation_region_created", "conversation", ["region", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_region_created", table_name="conversation")
    # team leads become advisors again: the old schema knows no other reading role
    op.execute("UPDATE account SET role = 'advisor' WHERE role = 'teamlead'")
    with op.batch_alter_table("account") as batch:
        batch.drop_constraint("ck_account_availability", type_="check")
        batch.drop_constraint("ck_account_role", type_="check")
        batch.drop_column("advises")
        batch.drop_column("availability")
