"""When a chat last entered the queue: a chat that asks for a skill waits
for it `[policy] skill_fallback_s` from then, and a restart re-arms that
wait from the record.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

Chats stored before it have no `queued_at`: their wait counts from their
start (`started_at`), the best the record knows.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("queued_at")
