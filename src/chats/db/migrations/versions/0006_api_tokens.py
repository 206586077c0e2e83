"""api tokens

Bearer tokens an admin gives an integrator for the store's REST API (issue 17 item 1):
a name, a scope (read, or write), the sha256 of the token, when it was last used and
when it was revoked.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], ondelete="CASCADE",
                                name="fk_api_tokens_store_id_stores"),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"], ondelete="SET NULL",
                                name="fk_api_tokens_created_by_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_store_id", "api_tokens", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_store_id", table_name="api_tokens")
    op.drop_table("api_tokens")
