"""message search index

Issue 19 item 1: full-text search of a store's messages by character trigrams of a
folded copy of the text (SQLite FTS5 `trigram`, PostgreSQL `pg_trgm`), backfilled here;
chats/db/search_index.py holds the statements and explains them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

from alembic import op

from chats.db.search_index import (
    POSTGRES_DROP,
    SQLITE_BACKFILL,
    SQLITE_CREATE,
    SQLITE_DROP,
    postgres_create,
    register_sqlite_functions,
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # Run as written (no bind-parameter parsing of the SQL text).
    if bind.dialect.name == "sqlite":
        # env.py opened this connection, not the app's engine: give it the fold that the
        # trigger and the backfill call.
        register_sqlite_functions(bind.connection.dbapi_connection)
        for statement in (*SQLITE_CREATE, SQLITE_BACKFILL):
            bind.exec_driver_sql(statement)
    else:
        # The expression index is built from every existing row: that is the backfill.
        for statement in postgres_create():
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE_DROP if bind.dialect.name == "sqlite" else POSTGRES_DROP:
        bind.exec_driver_sql(statement)
