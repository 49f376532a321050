"""Visitor context beside each chat: the page the visitor is on, its
browser's language, time zone and user agent, the host page's own fields,
and the pages seen during the chat.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_visits",
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("referrer", sa.Text()),
        sa.Column("language", sa.String(35)),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("utc_offset_min", sa.Integer()),
        sa.Column("user_agent", sa.Text()),
        sa.Column("custom", sa.Text()),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name="fk_chat_visits_chat_id_chats"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_chat_visits"),
    )
    op.create_table(
        "chat_pages",
        sa.Column("id", ID, nullable=False),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name="fk_chat_pages_chat_id_chats"),
        sa.PrimaryKeyConstraint("id", name="pk_chat_pages"),
    )
    op.create_index("ix_chat_pages_chat_id_seq", "chat_pages", ["chat_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_chat_pages_chat_id_seq", table_name="chat_pages")
    op.drop_table("chat_pages")
    op.drop_table("chat_visits")
