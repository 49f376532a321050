"""Integration tokens for the public API under /api/v1: a lead makes them,
read-only or read-write, for one site or the whole desk; only each token's
SHA-256 is stored.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"  # after the webhooks (0020), merged first into this branch
branch_labels = None
depends_on = None

ID = sa.String(64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "integration_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("site_id", ID, sa.ForeignKey("sites.id", name="fk_integration_tokens_site_id_sites")),
        sa.Column("created_by", ID),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_used_at", TIME),
        sa.Column("revoked_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_integration_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_integration_tokens_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("integration_tokens")
