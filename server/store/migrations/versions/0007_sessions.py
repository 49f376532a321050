"""Revocable console sessions: a record per console login, and on agents an
epoch (moved on by a new password, API token or role, or a removal, which
ends the agent's sessions) and the time an agent was removed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001). Console cookies made before this revision name no session
record: their agents log in again once.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("agents", sa.Column("epoch", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.add_column("agents", sa.Column("removed_at", TIME, nullable=True))
    op.create_table(
        "console_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("agent_id", ID, sa.ForeignKey("agents.id", name="fk_console_sessions_agent_id_agents"),
                  nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_console_sessions"),
    )
    op.create_index("ix_console_sessions_agent_id", "console_sessions", ["agent_id"])
    op.create_index("ix_console_sessions_created_at", "console_sessions", ["created_at"])


def downgrade() -> None:
    op.drop_table("console_sessions")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("removed_at")
        batch.drop_column("epoch")
