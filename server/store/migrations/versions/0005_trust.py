"""Trust and accountability: surveys tied to every agent of a chat,
suspensions of a site's account, and alerts with their evidence.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001). `surveys` and `suspensions` are dropped and made again: no
release ever stored a row in them, and `suspensions.account_id` changes from
a key of `accounts` to the site's own account id (as in visitors).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def _ref(table: str, name: str, target: str, *, nullable: bool = True) -> sa.Column[str]:
    fk = sa.ForeignKey(target, name=f"fk_{table}_{name}_{target.split('.')[0]}")
    return sa.Column(name, ID, fk, nullable=nullable)


def _id(table: str) -> tuple[sa.Column[str], sa.PrimaryKeyConstraint]:
    return sa.Column("id", ID, nullable=False), sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def upgrade() -> None:
    op.drop_table("surveys")
    op.drop_table("suspensions")
    op.create_table(
        "surveys", *_id("surveys"),
        _ref("surveys", "chat_id", "chats.id", nullable=False),
        _ref("surveys", "site_id", "sites.id", nullable=False),
        _ref("surveys", "visitor_id", "visitors.id", nullable=False),
        sa.Column("account_id", sa.String(255)),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("excluded_reason", sa.Text()),
        sa.Column("excluded_by", ID),
        sa.Column("excluded_at", TIME),
    )
    op.create_index("uq_surveys_chat_id", "surveys", ["chat_id"], unique=True)
    op.create_index("ix_surveys_created_at", "surveys", ["created_at"])
    op.create_index("ix_surveys_account_id", "surveys", ["account_id"])
    op.create_index("ix_surveys_visitor_id", "surveys", ["visitor_id"])
    op.create_table(
        "chat_agents",
        _ref("chat_agents", "chat_id", "chats.id", nullable=False),
        _ref("chat_agents", "agent_id", "agents.id", nullable=False),
        sa.Column("assigned_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "agent_id", name="pk_chat_agents"),
    )
    op.create_index("ix_chat_agents_agent_id", "chat_agents", ["agent_id"])
    op.create_table(
        "suspensions", *_id("suspensions"),
        _ref("suspensions", "site_id", "sites.id", nullable=False),
        sa.Column("account_id", sa.String(255)),
        _ref("suspensions", "visitor_id", "visitors.id"),
        sa.Column("ban", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("until", TIME),
        sa.Column("actor_id", ID),
        sa.Column("lifted_at", TIME),
        sa.Column("lifted_reason", sa.Text()),
        sa.Column("lifted_by", ID),
    )
    op.create_index("ix_suspensions_site_id_account_id", "suspensions", ["site_id", "account_id"])
    op.create_index("ix_suspensions_visitor_id", "suspensions", ["visitor_id"])
    op.create_index("ix_suspensions_until", "suspensions", ["until"])
    op.create_table(
        "alerts", *_id("alerts"),
        sa.Column("at", TIME, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _ref("alerts", "site_id", "sites.id", nullable=False),
        sa.Column("account_id", sa.String(255)),
        sa.Column("visitor_id", ID),
        sa.Column("agent_id", ID),
        sa.Column("reason", sa.Text()),
        sa.Column("chat_ids", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text()),
    )
    op.create_index("ix_alerts_at", "alerts", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_action", "audit_log")
    for table in ("alerts", "suspensions", "chat_agents", "surveys"):
        op.drop_table(table)
    # 0001's shapes, empty
    op.create_table(
        "surveys", *_id("surveys"),
        _ref("surveys", "chat_id", "chats.id", nullable=False),
        _ref("surveys", "visitor_id", "visitors.id", nullable=False),
        sa.Column("rating", sa.Integer()),
        sa.Column("comment", sa.Text()),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("excluded_reason", sa.Text()),
    )
    op.create_index("uq_surveys_chat_id", "surveys", ["chat_id"], unique=True)
    op.create_table(
        "suspensions", *_id("suspensions"),
        _ref("suspensions", "site_id", "sites.id", nullable=False),
        _ref("suspensions", "account_id", "accounts.id"),
        _ref("suspensions", "visitor_id", "visitors.id"),
        sa.Column("ban", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("until", TIME),
        sa.Column("lifted_at", TIME),
        sa.Column("lifted_reason", sa.Text()),
        sa.Column("actor_id", ID),
    )
    op.create_index("ix_suspensions_account_id", "suspensions", ["account_id"])
    op.create_index("ix_suspensions_visitor_id", "suspensions", ["visitor_id"])
