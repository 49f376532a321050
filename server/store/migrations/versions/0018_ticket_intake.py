"""Ticket intake: the evidence a ticket's topic asks for (a JSON object of
its text and link fields), and the ticket an agent split it from.

Revision ID: 0018
Revises: 0010
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.add_column("tickets", sa.Column("evidence", sa.Text(), nullable=True))
    op.add_column("tickets", sa.Column("split_from", ID, nullable=True))
    op.create_index("ix_tickets_split_from", "tickets", ["split_from"])


def downgrade() -> None:
    op.drop_index("ix_tickets_split_from", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("split_from")
        batch.drop_column("evidence")
