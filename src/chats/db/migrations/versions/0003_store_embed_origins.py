"""store embed origins

The unused `allowed_origins` column becomes `embed_origins`: the sites that may frame
the guest panel (issue 12). Its name no longer echoes CHATS_ALLOWED_ORIGINS, which is
about staff sockets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 22:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.alter_column("allowed_origins", new_column_name="embed_origins")


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.alter_column("embed_origins", new_column_name="allowed_origins")
