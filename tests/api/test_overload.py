"""An exhausted database pool answers 503 with Retry-After, never 500 (issue 13, item 1)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import create_store
from tests.servers import ThreadServer, http_client


@pytest.fixture
def tight_server(settings: Settings) -> Iterator[ThreadServer]:
    """A server whose requests give up on a busy pool after half a second."""
    tight = settings.model_copy(update={"db_pool_timeout_seconds": 0.5, "db_pool_size": 2})
    srv = ThreadServer(tight).start()
    yield srv
    srv.stop()


async def _hold_write_lock(db: Database, held: asyncio.Event, release: asyncio.Event) -> None:
    """Keep the database's writers waiting (SQLite: the write lock; PostgreSQL: sessions)."""
    async with db.write() as session:
        if db.is_sqlite:
            await session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock
        else:
            await session.execute(text("LOCK TABLE staff IN SHARE MODE"))
        held.set()
        await release.wait()
        await session.commit()


async def test_a_busy_pool_answers_503_with_retry_after(
    tight_server: ThreadServer, db: Database
) -> None:
    store = await create_store(db)
    held, release = asyncio.Event(), asyncio.Event()
    answers: list[httpx.Response] = []
    async with http_client(base_url=tight_server.url, timeout=30,
                           headers={"Accept-Language": "en"}) as admin:
        await login(admin, store.admin_login)
        holder = asyncio.create_task(_hold_write_lock(db, held, release))
        await held.wait()
        # Each edit waits for the lock holding a connection; the later ones find none free.
        pending = [asyncio.ensure_future(admin.patch(f"/api/staff/{store.admin_id}",
                                                     json={"name": f"Admin {n}"}))
                   for n in range(4)]
        for next_done in asyncio.as_completed(pending):
            answers.append(await next_done)
            if answers[-1].status_code == 503:
                release.set()  # the others may go on now
        release.set()
        await holder
    codes = sorted(r.status_code for r in answers)
    assert set(codes) <= {200, 503} and 503 in codes and 200 in codes, codes
    busy = next(r for r in answers if r.status_code == 503)
    assert busy.headers["Retry-After"] == "2"
    assert busy.json()["error"] == {
        "code": "overloaded", "message": "The server is busy. Please try again in a moment."}
