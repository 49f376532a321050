"""Ticket service levels: each ticket's assignee, first response, solving
and last update to its requester, and the SLA stages fired for tickets.

Revision ID: 0019
Revises: 0010
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001). Tickets stored before it have none of the new times: their
clocks run from their due dates as stored (a ticket answered before it
counts as not answered yet until its next agent reply).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)
COLUMNS = ("assignee_id", "first_response_at", "resolved_at", "last_update_at")


def upgrade() -> None:
    op.add_column("tickets", sa.Column("assignee_id", ID))
    for name in COLUMNS[1:]:
        op.add_column("tickets", sa.Column(name, TIME))
    op.create_table(
        "ticket_sla_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, sa.ForeignKey("tickets.id", name="fk_ticket_sla_events_ticket_id_tickets"),
                  nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("anchor_at", TIME, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("agent_id", ID),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_sla_events"),
    )
    op.create_index("uq_ticket_sla_events_ticket_id_kind_stage_anchor_at", "ticket_sla_events",
                    ["ticket_id", "kind", "stage", "anchor_at"], unique=True)
    op.create_index("ix_ticket_sla_events_at", "ticket_sla_events", ["at"])


def downgrade() -> None:
    op.drop_table("ticket_sla_events")
    with op.batch_alter_table("tickets") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
