"""Canned replies: text supervisors keep for agents to insert with
`/shortcut`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("id", ID, nullable=False),
        sa.Column("shortcut", sa.String(32), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("updated_by", ID),
        sa.PrimaryKeyConstraint("id", name="pk_canned_replies"),
        sa.UniqueConstraint("shortcut", name="uq_canned_replies_shortcut"),
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
