"""Write jobs for the hot path: one thread hop and one commit for many messages on SQLite.

A job is a plain function over a synchronous SQLAlchemy `Connection`. On SQLite
a dedicated thread runs queued jobs in batches — each in a SAVEPOINT of one
transaction that commits once (group commit) — so a burst of sends costs one
fsync instead of one each, and no event-loop round trip per statement. On
PostgreSQL each job runs in its own transaction on the async engine.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url

from chats.db.search_index import register_sqlite_functions

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Connection], Any]
MAX_BATCH = 256
_STOP = object()


class Writer:
    """Runs write jobs; the result is returned only after the job's transaction committed.

    `one_statement=True` promises that the job changes the database with at most one
    statement (anything else it runs only reads): on PostgreSQL such a job runs in
    autocommit, that statement being its own transaction, which saves the BEGIN and
    COMMIT round trips. A job that raises after its one write must not use it.
    """

    async def run(self, job: Callable[[Connection], T], *, one_statement: bool = False) -> T:
        raise NotImplementedError

    async def close(self) -> None:
        """Stop accepting jobs and release resources."""


class AsyncEngineWriter(Writer):
    """One transaction per job on the async engine (PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def run(self, job: Callable[[Connection], T], *, one_statement: bool = False) -> T:
        if one_statement:
            async with self.autocommit.connect() as conn:
                return await conn.run_sync(job)
        async with self.engine.begin() as conn:
            return await conn.run_sync(job)


def sqlite_sync_engine(url: str) -> Engine:
    """A synchronous engine on the same SQLite file, tuned like the async one."""
    parsed = make_url(url).set(drivername="sqlite+pysqlite")
    engine = create_engine(parsed, pool_size=1, max_overflow=0,
                           connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                       "busy_timeout=10000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()
        register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class SqliteGroupWriter(Writer):
    """A thread that runs jobs in batches: SAVEPOINT per job, one COMMIT per batch."""

    def __init__(self, url: str) -> None:
        self.engine = sqlite_sync_engine(url)
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="chats-sqlite-writer",
                                       daemon=True)
        self.thread.start()
        self.batches = 0
        self.jobs_done = 0

    async def run(self, job: Callable[[Connection], T], *, one_statement: bool = False) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self.jobs.put((job, future, loop))
        return await future

    def _loop(self) -> None:
        while True:
            first = self.jobs.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self.jobs.put(_STOP)
                    break
                batch.append(item)
            self._run_batch(batch)

    def _run_batch(self, batch: list[Any]) -> None:
        outcomes: list[tuple[Any, Any, BaseException | None]] = []
        try:
            with self.engine.connect() as conn, conn.begin():
                # Savepoints are issued on the raw connection: SQLAlchemy's nested
                # transaction objects cost more than the statements of a send.
                raw = conn.connection.driver_connection
                assert raw is not None
                for job, future, loop in batch:
                    raw.execute("SAVEPOINT job")
                    try:
                        result = job(conn)
                    except Exception as exc:
                        raw.execute("ROLLBACK TO job")
                        raw.execute("RELEASE job")
                        outcomes.append(((future, loop), None, exc))
                    else:
                        raw.execute("RELEASE job")
                        outcomes.append(((future, loop), result, None))
        except Exception as exc:  # the commit itself failed: nothing of the batch is stored
            log.exception("write batch failed")
            outcomes = [((future, loop), None, exc) for _job, future, loop in batch]
        self.batches += 1
        self.jobs_done += len(batch)
        for (future, loop), result, error in outcomes:
            loop.call_soon_threadsafe(_resolve, future, result, error)

    async def close(self) -> None:
        self.jobs.put(_STOP)
        await asyncio.to_thread(self.thread.join, 10)
        self.engine.dispose()


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
