"""Password reset links: one-time links that set an agent's password, kept
by the hash of their token.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0018"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", name="fk_password_resets_agent_id_agents"),
                  nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("created_by", ID),
        sa.Column("used_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_password_resets"),
    )
    op.create_index("ix_password_resets_agent_id", "password_resets", ["agent_id"])


def downgrade() -> None:
    op.drop_table("password_resets")
