"""Joins the two migrations written side by side: webhooks (0020) and
integration tokens (0021) both follow 0019, which left Alembic two heads
and `upgrade head` refusing to run. Nothing changes in the schema.

Revision ID: 0022
Revises: 0020, 0021
Create Date: 2026-12-04

Should 0021 later be made to follow 0020, this revision stays valid:
Alembic drops a parent that is an ancestor of the other.
"""
from __future__ import annotations

revision = "0022"
down_revision = ("0020", "0021")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
