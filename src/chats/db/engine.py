"""Database engines: plain URLs in, async drivers out; SQLite tuned for durability."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from chats.db.search_index import register_sqlite_functions
from chats.db.writer import AsyncEngineWriter, SqliteGroupWriter, Writer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


def async_url(url: str) -> str:
    """Map a plain URL (`sqlite:///…`, `postgresql://…`) to its async driver URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL: {parsed.drivername}")


def sync_url(url: str) -> str:
    """The URL Alembic runs migrations with (same async drivers, run through run_sync)."""
    return async_url(url)


def _sqlite_pragmas(engine: AsyncEngine, *, immediate: bool) -> None:
    """WAL, synchronous=FULL, foreign keys; writers take the lock up front (BEGIN IMMEDIATE)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below emit BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # First: the journal-mode pragma below may need a lock another connection holds;
        # with the timeout set it waits for it instead of failing "database is locked".
        cur.execute("PRAGMA busy_timeout=10000")
        # WAL is kept in the file: set once, when a database is new. Asking again on every
        # connection would contend for a lock with the connections already at work.
        cur.execute("PRAGMA journal_mode")
        if str(cur.fetchone()[0]).lower() != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()
        register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that later writes can fail with SQLITE_BUSY without
        # waiting; taking the write lock at BEGIN makes writers queue instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The write and read engines of one server (the same engine on PostgreSQL)."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 30,
                 pool_timeout: float = 30.0) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        driver_url = async_url(url)
        if self.is_sqlite:
            # One writer connection per process: SQLite serialises writers anyway, and
            # queueing in the pool is cheaper than spinning on the busy timeout.
            self.engine = create_async_engine(driver_url, echo=echo, pool_size=1, max_overflow=0,
                                              pool_timeout=pool_timeout)
            _sqlite_pragmas(self.engine, immediate=True)
            self.read_engine = create_async_engine(
                driver_url, echo=echo, pool_size=8, max_overflow=8, pool_timeout=pool_timeout
            )
            _sqlite_pragmas(self.read_engine, immediate=False)
        else:
            # A fixed pool: overflow connections opened and closed under load cost a
            # PostgreSQL backend fork each (bench/README.md, profile notes). No pre-ping
            # (a round trip per checkout): a connection found dead raises once and the
            # pool is refreshed; connections are recycled after 30 minutes.
            self.engine = create_async_engine(
                driver_url, echo=echo, pool_size=pool_size, max_overflow=0, pool_recycle=1800,
                pool_timeout=pool_timeout,
            )
            self.read_engine = self.engine
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self._writer: Writer | None = None

    @property
    def writer(self) -> Writer:
        """The hot path's job runner (group commit on SQLite), started on first use."""
        if self._writer is None:
            self._writer = (SqliteGroupWriter(self.url) if self.is_sqlite
                            else AsyncEngineWriter(self.engine))
        return self._writer

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only."""
        async with self.read_sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction the caller commits (rolled back if it raises)."""
        async with self.sessions() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> bool:
        """True when the database answers."""
        try:
            async with self.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._writer is not None:
            await self._writer.close()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
