"""Ticket service levels: each ticket's assignee, first response, solving
and last update to its requester, and the SLA stages fired for tickets.

Revision ID: 0019
Revises: 0010
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001). Tickets stored before it get their times from their record:
the first and last agent reply (and its author as the assignee, else who
opened it), and for a solved or closed ticket its last change as the time
it was solved. An open ticket already past a target raises that breach
once, at the first start after the upgrade.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0015"
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
    _backfill()


AGENT_REPLIES = "FROM ticket_replies r WHERE r.ticket_id = tickets.id AND r.author = 'agent'"


def _backfill() -> None:
    op.execute(sa.text(f"UPDATE tickets SET first_response_at = (SELECT MIN(r.at) {AGENT_REPLIES}), "
                       f"last_update_at = (SELECT MAX(r.at) {AGENT_REPLIES})"))
    op.execute(sa.text(f"UPDATE tickets SET assignee_id = COALESCE((SELECT r.author_id {AGENT_REPLIES} "
                       "ORDER BY r.at, r.seq LIMIT 1), created_by)"))
    op.execute(sa.text("UPDATE tickets SET resolved_at = updated_at WHERE status IN ('solved', 'closed')"))


def downgrade() -> None:
    op.drop_table("ticket_sla_events")
    # ALTER TABLE ... DROP COLUMN, not a batch copy: SQLite (3.35 and later)
    # cannot drop and rebuild `tickets` while other tables' foreign keys name it.
    for name in COLUMNS:
        op.execute(sa.text(f"ALTER TABLE tickets DROP COLUMN {name}"))
