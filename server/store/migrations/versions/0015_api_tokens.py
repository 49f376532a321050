"""Named API tokens: an agent makes, lists and revokes them in the browser;
only each token's SHA-256 is stored. And the browser each console session
was opened with, so that its agent can tell their sessions apart.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", name="fk_api_tokens_agent_id_agents"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_used_at", TIME),
        sa.Column("revoked_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_agent_id", "api_tokens", ["agent_id"])
    op.add_column("console_sessions", sa.Column("client", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("console_sessions") as batch:
        batch.drop_column("client")
    op.drop_index("ix_api_tokens_agent_id", table_name="api_tokens")
    op.drop_table("api_tokens")
