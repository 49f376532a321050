"""What a waiting chat needs of its next agent: a skill and a lowest tier,
set when an agent transfers it to a skill or a tier, so a restart re-queues
it for the same agents.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("need_skill", sa.String(64), nullable=True))
    op.add_column("chats", sa.Column("min_tier", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("min_tier")
        batch.drop_column("need_skill")
