"""store queue when busy

A store setting (on by default): while every staff member is at their limit a guest
may still join the waiting queue instead of only leaving a message (issue 14).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("queue_when_busy", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("queue_when_busy")
