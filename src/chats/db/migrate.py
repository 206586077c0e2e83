"""Apply Alembic migrations (on start and by `chats migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for our migrations folder and the given plain URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision` (blocking; call from a thread in async code)."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_ahead(path)
    command.upgrade(alembic_config(database_url), revision)


def _write_ahead(path: Path) -> None:
    """Put a SQLite database in WAL mode before anything else opens it.

    The mode is kept in the file. Switching needs the database to itself: done here, by the
    one connection that creates or upgrades it, the server's connections never race for it.
    """
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def pending(database_url: str) -> dict[str, object]:
    """The database's revision, the newest one, and the revisions not yet applied."""
    import asyncio

    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from chats.db.engine import async_url

    script = ScriptDirectory.from_config(alembic_config(database_url))
    head = script.get_current_head()

    async def current_revision() -> str | None:
        engine = create_async_engine(async_url(database_url), poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: MigrationContext.configure(c).get_current_revision())
        finally:
            await engine.dispose()

    current = asyncio.run(current_revision())
    todo = [rev.revision for rev in script.iterate_revisions(head, current)]
    return {"current": current, "head": head, "pending": list(reversed(todo))}
