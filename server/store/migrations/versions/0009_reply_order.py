"""The order a ticket's replies were written in: two replies stored at the
same instant (a clock's resolution, or a test's fixed clock) list in the
order they were written, not by their random ids.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Replies stored before it have `seq` 0: they keep their order by time,
ties (if any) by id, as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ticket_replies", sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("ticket_replies") as batch:
        batch.drop_column("seq")
