"""`alembic upgrade head` on an empty database matches the models (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from chats.db.engine import Database
from chats.db.models import Base
from chats.db.search_index import outside_search_index


async def test_upgrade_head_matches_models(db: Database) -> None:
    def diff(sync_conn):  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True,
                                                         "include_name": outside_search_index})
        return compare_metadata(ctx, Base.metadata)

    async with db.engine.connect() as conn:
        changes = await conn.run_sync(diff)
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert changes == []
    assert set(Base.metadata.tables) <= tables


async def test_sqlite_is_durable(db: Database) -> None:
    if not db.is_sqlite:
        return
    async with db.write() as session:
        mode = (await session.execute(text("PRAGMA journal_mode"))).scalar()
        sync = (await session.execute(text("PRAGMA synchronous"))).scalar()
        fks = (await session.execute(text("PRAGMA foreign_keys"))).scalar()
    assert (mode, sync, fks) == ("wal", 2, 1)
