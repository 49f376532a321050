"""The initial schema: sites, agents, accounts, visitors, chats, messages,
tickets, surveys, suspensions, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-05-09

Written by hand against server/store/tables.py; plain SQLAlchemy types so
that this file keeps meaning the same DDL whatever the app's types become.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)
NOT_ENDED = sa.text("status != 'ended'")
HAS_CLIENT_ID = sa.text("client_id IS NOT NULL")


def _id() -> sa.Column[str]:
    return sa.Column("id", ID, nullable=False)


def _ref(table: str, name: str, target: str, *, nullable: bool = True) -> sa.Column[str]:
    fk = sa.ForeignKey(target, name=f"fk_{table}_{name}_{target.split('.')[0]}")
    return sa.Column(name, ID, fk, nullable=nullable)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=f"pk_{table}")


def upgrade() -> None:
    _sites_agents_accounts()
    _visitors_chats_messages()
    _tickets_surveys()
    _suspensions_audit()


def _sites_agents_accounts() -> None:
    op.create_table(
        "sites", _id(),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("secret", sa.String(255), nullable=False),
        sa.Column("origins", sa.Text(), nullable=False),
        sa.Column("identity", sa.String(16), nullable=False),
        _pk("sites"), sa.UniqueConstraint("key", name="uq_sites_key"),
    )
    op.create_table(
        "agents", _id(),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("shift", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("token_hash", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        _pk("agents"), sa.UniqueConstraint("email", name="uq_agents_email"),
    )
    op.create_index("ix_agents_token_hash", "agents", ["token_hash"])
    op.create_table(
        "accounts", _id(),
        _ref("accounts", "site_id", "sites.id", nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("plan", sa.String(64)),
        sa.Column("created_at", TIME, nullable=False),
        _pk("accounts"),
    )
    op.create_index("uq_accounts_site_id_external_id", "accounts",
                    ["site_id", "external_id"], unique=True)


def _visitors_chats_messages() -> None:
    op.create_table(
        "visitors", _id(),
        _ref("visitors", "site_id", "sites.id", nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("external_id", sa.String(255)),
        sa.Column("account_id", sa.String(255)),
        sa.Column("name", sa.String(255)),
        sa.Column("email", sa.String(255)),
        sa.Column("plan", sa.String(64)),
        _pk("visitors"),
    )
    op.create_index("ix_visitors_site_id_token_hash", "visitors", ["site_id", "token_hash"])
    op.create_index("ix_visitors_site_id_external_id", "visitors", ["site_id", "external_id"])
    op.create_table(
        "chats", _id(),
        _ref("chats", "site_id", "sites.id", nullable=False),
        _ref("chats", "visitor_id", "visitors.id", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(64)),
        _ref("chats", "agent_id", "agents.id"),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("assigned_at", TIME),
        sa.Column("ended_at", TIME),
        sa.Column("end_reason", sa.String(32)),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("visitor_read_seq", sa.Integer(), nullable=False),
        sa.Column("agent_read_seq", sa.Integer(), nullable=False),
        _pk("chats"),
    )
    op.create_index("ix_chats_status", "chats", ["status"])
    op.create_index("ix_chats_agent_id", "chats", ["agent_id"])
    op.create_index("uq_chats_open_visitor", "chats", ["visitor_id"], unique=True,
                    sqlite_where=NOT_ENDED, postgresql_where=NOT_ENDED)
    op.create_table(
        "messages",
        _ref("messages", "chat_id", "chats.id", nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("author_id", ID),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("client_id", sa.String(64)),
        sa.Column("note", sa.Boolean(), nullable=False),
        _pk("messages", "chat_id", "seq"),
    )
    op.create_index("uq_messages_chat_id_author_client_id", "messages",
                    ["chat_id", "author", "client_id"], unique=True,
                    sqlite_where=HAS_CLIENT_ID, postgresql_where=HAS_CLIENT_ID)


def _tickets_surveys() -> None:
    op.create_table(
        "tickets", _id(),
        sa.Column("number", sa.Integer(), nullable=False),
        _ref("tickets", "site_id", "sites.id", nullable=False),
        _ref("tickets", "visitor_id", "visitors.id"),
        _ref("tickets", "account_id", "accounts.id"),
        _ref("tickets", "chat_id", "chats.id"),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        _pk("tickets"), sa.UniqueConstraint("number", name="uq_tickets_number"),
    )
    op.create_index("ix_tickets_visitor_id", "tickets", ["visitor_id"])
    op.create_index("ix_tickets_account_id", "tickets", ["account_id"])
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_table(
        "surveys", _id(),
        _ref("surveys", "chat_id", "chats.id", nullable=False),
        _ref("surveys", "visitor_id", "visitors.id", nullable=False),
        sa.Column("rating", sa.Integer()),
        sa.Column("comment", sa.Text()),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("excluded_reason", sa.Text()),
        _pk("surveys"),
    )
    op.create_index("uq_surveys_chat_id", "surveys", ["chat_id"], unique=True)


def _suspensions_audit() -> None:
    op.create_table(
        "suspensions", _id(),
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
        _pk("suspensions"),
    )
    op.create_index("ix_suspensions_account_id", "suspensions", ["account_id"])
    op.create_index("ix_suspensions_visitor_id", "suspensions", ["visitor_id"])
    op.create_table(
        "audit_log", _id(),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor_id", ID),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("data", sa.Text()),
        _pk("audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in ("audit_log", "suspensions", "surveys", "tickets", "messages",
                  "chats", "visitors", "accounts", "agents", "sites"):
        op.drop_table(table)
