"""business hours

Issue 16: a store's business hours (営業時間: weekly ranges, national holidays, closures,
special days) as one JSON value, and on each conversation whether a message was left
outside them (the statistics count those).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("business_hours", sa.JSON(), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("out_of_hours", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("out_of_hours")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("business_hours")
