"""Tags on chats and tickets: the list supervisors keep, and what carries
each tag (an archived tag keeps its links).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def _ref(table: str, name: str, target: str) -> sa.Column[str]:
    fk = sa.ForeignKey(target, name=f"fk_{table}_{name}_{target.split('.')[0]}")
    return sa.Column(name, ID, fk, nullable=False)


def _links(table: str, owner: str, target: str) -> None:
    op.create_table(
        table,
        _ref(table, owner, target),
        _ref(table, "tag_id", "tags.id"),
        sa.Column("added_at", TIME, nullable=False),
        sa.Column("added_by", ID),
        sa.PrimaryKeyConstraint(owner, "tag_id", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_tag_id", table, ["tag_id"])


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("name_key", sa.String(160), nullable=False),
        sa.Column("colour", sa.String(16)),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("updated_by", ID),
        sa.Column("archived_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("name_key", name="uq_tags_name_key"),
    )
    _links("chat_tags", "chat_id", "chats.id")
    _links("ticket_tags", "ticket_id", "tickets.id")


def downgrade() -> None:
    op.drop_table("ticket_tags")
    op.drop_table("chat_tags")
    op.drop_table("tags")
