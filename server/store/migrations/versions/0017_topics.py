"""Topics a lead keeps in the dashboard: topics of their own, or overrides
of the file's `[topics.NAME]` of the same name.

Revision ID: 0017
Revises: 0010
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("skill", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("chat", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("verified_only", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("updated_by", ID),
        sa.PrimaryKeyConstraint("name", name="pk_topics"),
    )


def downgrade() -> None:
    op.drop_table("topics")
