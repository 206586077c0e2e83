"""satisfaction ratings (CSAT)

Issue 19 item 2: `stores.csat` holds the admin's switch and wording (Japanese and English);
`conversations.rating`, `rating_comment` and `rated_at` hold the guest's rating of an ended
chat, and an index on (store_id, rated_at) lets the statistics read a period's ratings.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("csat", sa.JSON(), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rating_comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_conversations_store_rated", "conversations", ["store_id", "rated_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_store_rated", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("rated_at")
        batch.drop_column("rating_comment")
        batch.drop_column("rating")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("csat")
