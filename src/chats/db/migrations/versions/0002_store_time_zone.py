"""store time zone

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=False,
                                   server_default="Asia/Tokyo"))


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("time_zone")
