"""Attachments: files uploaded into a chat, with their bytes, so that every
node can serve them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", ID, nullable=False),
        sa.Column("chat_id", ID, sa.ForeignKey("chats.id", name="fk_attachments_chat_id_chats"), nullable=False),
        sa.Column("uploader", sa.String(16), nullable=False),
        sa.Column("uploader_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("client_id", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_chat_id", "attachments", ["chat_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_chat_id", table_name="attachments")
    op.drop_table("attachments")
