"""login IDs unique per store; second factor (TOTP) and recovery codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing IDs were unique across the installation, so they are unique per store too.
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint("uq_staff_login_id", type_="unique")
        batch.create_unique_constraint("uq_staff_store_id_login_id", ["store_id", "login_id"])
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_pending", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("require_two_factor", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "recovery_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_recovery_codes_staff_id_staff"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_staff_id"), "recovery_codes", ["staff_id"])
    op.create_table(
        "login_challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_login_challenges_staff_id_staff"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_challenges")),
    )
    op.create_index(op.f("ix_login_challenges_staff_id"), "login_challenges", ["staff_id"])


def downgrade() -> None:
    op.drop_table("login_challenges")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("require_two_factor")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_pending")
        batch.drop_column("totp_secret")
        batch.drop_constraint("uq_staff_store_id_login_id", type_="unique")
        batch.create_unique_constraint("uq_staff_login_id", ["login_id"])
