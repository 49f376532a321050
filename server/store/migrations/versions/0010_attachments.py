"""Attachments: files uploaded into a chat or a ticket, with their bytes, so
that every node can serve them; and the download links mailed out, by the
hash of their token.

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", ID, nullable=False),
        sa.Column("chat_id", ID, sa.ForeignKey("chats.id", name="fk_attachments_chat_id_chats")),
        sa.Column("uploader", sa.String(16), nullable=False),
        sa.Column("uploader_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("client_id", sa.String(64)),
        sa.Column("ticket_id", ID, sa.ForeignKey("tickets.id", name="fk_attachments_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_chat_id", "attachments", ["chat_id"])
    op.create_index("ix_attachments_ticket_id", "attachments", ["ticket_id"])
    op.create_table(
        "attachment_links",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("attachment_id", ID,
                  sa.ForeignKey("attachments.id", name="fk_attachment_links_attachment_id_attachments"),
                  nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_attachment_links"),
    )


def downgrade() -> None:
    op.drop_table("attachment_links")
    op.drop_index("ix_attachments_ticket_id", table_name="attachments")
    op.drop_index("ix_attachments_chat_id", table_name="attachments")
    op.drop_table("attachments")
