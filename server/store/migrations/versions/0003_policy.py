"""The policy engine's state: agents on call, closures, SLA events, and
tickets in their full shape (numbers from `counters`, replies).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001). `tickets` is dropped and made again: no release ever stored a
row in it, and its `account_id` changes from a key of `accounts` to the
site's own account id.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def _ref(table: str, name: str, target: str, *, nullable: bool = True) -> sa.Column[str]:
    fk = sa.ForeignKey(target, name=f"fk_{table}_{name}_{target.split('.')[0]}")
    return sa.Column(name, ID, fk, nullable=nullable)


def _keys(table: str) -> tuple[sa.Column[str], sa.PrimaryKeyConstraint]:
    return sa.Column("id", ID, nullable=False), sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def upgrade() -> None:
    op.add_column("agents", sa.Column("on_call", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.drop_table("tickets")
    _counters()
    _tickets()
    _ticket_replies()
    _closures()
    _sla_events()


def _counters() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )


def _tickets() -> None:
    op.create_table(
        "tickets", *_keys("tickets"),
        sa.Column("number", sa.Integer(), nullable=False),
        _ref("tickets", "site_id", "sites.id", nullable=False),
        _ref("tickets", "visitor_id", "visitors.id"),
        sa.Column("account_id", sa.String(255)),
        _ref("tickets", "chat_id", "chats.id"),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(64)),
        sa.Column("department", sa.String(64)),
        sa.Column("transcript", sa.Text()),
        sa.Column("warranty", sa.Boolean(), nullable=False),
        sa.Column("created_by", ID),
        sa.Column("confirm_hash", sa.String(64)),
        sa.Column("response_due_at", TIME, nullable=False),
        sa.Column("resolution_due_at", TIME, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
    )
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_index("ix_tickets_visitor_id", "tickets", ["visitor_id"])
    op.create_index("ix_tickets_site_id_account_id", "tickets", ["site_id", "account_id"])
    op.create_index("ix_tickets_site_id_created_at", "tickets", ["site_id", "created_at"])
    op.create_index("ix_tickets_confirm_hash", "tickets", ["confirm_hash"])


def _ticket_replies() -> None:
    op.create_table(
        "ticket_replies", *_keys("ticket_replies"),
        _ref("ticket_replies", "ticket_id", "tickets.id", nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("author_id", ID),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
    )
    op.create_index("ix_ticket_replies_ticket_id_at", "ticket_replies", ["ticket_id", "at"])


def _closures() -> None:
    op.create_table(
        "closures", *_keys("closures"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", ID),
        sa.UniqueConstraint("day", name="uq_closures_day"),
    )


def _sla_events() -> None:
    op.create_table(
        "sla_events", *_keys("sla_events"),
        _ref("sla_events", "chat_id", "chats.id", nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("anchor_at", TIME, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("limit_s", sa.Integer(), nullable=False),
        sa.Column("elapsed_s", sa.Integer(), nullable=False),
        _ref("sla_events", "agent_id", "agents.id"),
    )
    op.create_index("uq_sla_events_chat_id_kind_stage_anchor_at", "sla_events",
                    ["chat_id", "kind", "stage", "anchor_at"], unique=True)
    op.create_index("ix_sla_events_at", "sla_events", ["at"])
    op.create_index("ix_sla_events_agent_id_at", "sla_events", ["agent_id", "at"])


def downgrade() -> None:
    for table in ("sla_events", "closures", "ticket_replies", "tickets", "counters"):
        op.drop_table(table)
    _tickets_of_0001()
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("on_call")


def _tickets_of_0001() -> None:
    """The empty `tickets` table as 0001 made it."""
    op.create_table(
        "tickets", *_keys("tickets"),
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
        sa.UniqueConstraint("number", name="uq_tickets_number"),
    )
    for column in ("visitor_id", "account_id", "status"):
        op.create_index(f"ix_tickets_{column}", "tickets", [column])
