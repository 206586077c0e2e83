"""guest erasure and retention

Issue 17 item 4: `guests.erased_at` marks a guest an admin erased; two indexes let the
retention purge find a store's oldest messages and page views without a scan.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guests") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_messages_store_created", "messages", ["store_id", "created_at"])
    op.create_index("ix_page_views_store_viewed", "page_views", ["store_id", "viewed_at"])


def downgrade() -> None:
    op.drop_index("ix_page_views_store_viewed", table_name="page_views")
    op.drop_index("ix_messages_store_created", table_name="messages")
    with op.batch_alter_table("guests") as batch:
        batch.drop_column("erased_at")
