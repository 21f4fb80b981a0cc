"""reminder, and outbox.reminder_id: deadline reminders the person agreed to, as outbox rows due later

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_reminder_person_id_person", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name="fk_reminder_conversation_id_conversation",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name="fk_reminder_message_id_message", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reminder"),
        sa.UniqueConstraint("message_id", name="uq_reminder_message_id"),
    )
    op.create_index("ix_reminder_person_id", "reminder", ["person_id"])
    op.create_index("ix_reminder_conversation_id", "reminder", ["conversation_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("reminder_id", sa.Integer(), nullable=True))
        batch.create_index("ix_outbox_reminder_id", ["reminder_id"])
        batch.create_foreign_key(
            "fk_outbox_reminder_id_reminder", "reminder", ["reminder_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_reminder_id_reminder", type_="foreignkey")
        batch.drop_index("ix_outbox_reminder_id")
        batch.drop_column("reminder_id")
    op.drop_index("ix_reminder_conversation_id", table_name="reminder")
    op.drop_index("ix_reminder_person_id", table_name="reminder")
    op.drop_table("reminder")
