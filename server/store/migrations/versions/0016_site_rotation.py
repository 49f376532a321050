"""Sites: the identity secret a rotation replaced, still accepted until a
time the lead chose (a grace period for the site's backend to switch).

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-04

Written by hand against server/store/tables.py, with plain SQLAlchemy types
(see 0001).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("previous_secret", sa.String(255)))
    op.add_column("sites", sa.Column("previous_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("previous_until")
        batch.drop_column("previous_secret")
