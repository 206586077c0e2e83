"""Page views (G4) stored in batches: one write for all the visits that arrive together.

`/visit` answers only once its page view is committed (a crash after an answer
loses nothing). Visits that arrive while a batch is being written wait for the
next one, so under load one write — a job in SQLite's group commit, one
statement on PostgreSQL (`visit_batches`) — stores many page views, and the
per-visit work left on the event loop is a dictionary lookup and a future.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, cast

from sqlalchemy import bindparam, func, select

from chats.db.models import Conversation, Guest, Message, Store
from chats.domain.text import web_url
from chats.errors import ChatsError
from chats.ids import token_hash, utcnow
from chats.services.guests import MAX_URL
from chats.services.visit_batches import (
    Outcome,
    PendingView,
    PostgresViews,
    SeenGuest,
    sqlite_job,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.db.engine import Database

log = logging.getLogger(__name__)
MAX_BATCH = 256
KEEP_CONNECTIONS_S = 1.0
"""PostgreSQL: how long the batch writer keeps its connections once no page view waits."""
STORE_KEY_TTL = 60.0
"""Seconds a widget key → store id entry is trusted (see `StoreKeys`)."""

_stores, _guests, _conversations, _messages = (
    cast("Table", m.__table__) for m in (Store, Guest, Conversation, Message))
_STORE_BY_KEY = select(_stores.c.id).where(_stores.c.widget_key == bindparam("key"),
                                            _stores.c.suspended_at.is_(None))
_UNREAD = (
    select(func.count())
    .select_from(_messages.join(_conversations,
                                _conversations.c.id == _messages.c.conversation_id))
    .where(_conversations.c.guest_id == _guests.c.id, _messages.c.author == "staff",
           _messages.c.seq > _conversations.c.guest_read_seq)
    .scalar_subquery()
)
_GUEST_BY_HASH = select(_guests.c.id, _guests.c.store_id, _guests.c.blacklisted,
                        _UNREAD.label("unread")).where(_guests.c.token_hash == bindparam("hash"))


class StoreKeys:
    """Widget key → store id, kept in memory for `STORE_KEY_TTL` seconds.

    The app never changes a store's widget key nor deletes a store, so an entry
    only goes stale through an operator's edit of the database; the TTL bounds how
    long that stays unseen, and a page view that fails because its store is gone
    drops the entry at once (`Visits.visit`). An unknown key is never cached: it is
    looked up each time, so a store created a moment ago (by another process) is found.
    """

    def __init__(self, db: Database, *, ttl: float = STORE_KEY_TTL) -> None:
        self.db = db
        self.ttl = ttl
        self._ids: dict[str, tuple[str, float]] = {}

    async def store_id(self, key: str) -> str:
        """The store of a widget key, or not_found."""
        entry = self._ids.get(key)
        now = time.monotonic()
        if entry is not None and entry[1] > now:
            return entry[0]
        async with self.db.read() as session:
            store_id = await session.scalar(_STORE_BY_KEY, {"key": key})
        if store_id is None:
            self._ids.pop(key, None)
            raise ChatsError("not_found")
        self._ids[key] = (str(store_id), now + self.ttl)
        return str(store_id)

    def forget(self, key: str) -> None:
        """Look the key up again next time."""
        self._ids.pop(key, None)


class Visits:
    """Records page views in batches; one per app (`AppContext.visits`)."""

    def __init__(self, db: Database, *, max_in_flight: int | None = None) -> None:
        self.db = db
        self.keys = StoreKeys(db)
        self.postgres = None if db.is_sqlite else PostgresViews(db.engine)
        # SQLite's single writer thread commits one batch at a time anyway, so the
        # next batch gathers while the last one is written; PostgreSQL overlaps a few.
        self.max_in_flight = max_in_flight or (1 if db.is_sqlite else 4)
        self._pending: list[PendingView] = []
        self._in_flight = 0
        self._kick_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._release: asyncio.TimerHandle | None = None

    async def visit(self, key: str, token: str | None, *, url: str, title: str,
                    referrer: str | None,
                    admit_new: Callable[[str], Awaitable[None]]) -> tuple[str, SeenGuest]:
        """Record one page view of the store with widget `key`: (store id, guest).

        A page view without a token this store knows makes a new guest, and only once
        `admit_new(store_id)` let it (the per-address budget of new guests): so a client
        cannot fill the guests table by leaving its token out or making tokens up.
        """
        store_id = await self.keys.store_id(key)
        try:
            if token:
                seen = await self.record(store_id, token, url=url, title=title,
                                         referrer=referrer)
                if seen is not None:
                    return store_id, seen
            await admit_new(store_id)
            seen = await self.record(store_id, None, url=url, title=title, referrer=referrer)
            assert seen is not None  # a view without a token always makes its guest
            return store_id, seen
        except ChatsError:
            raise
        except Exception:
            # If the store was removed since its key was cached (its page view then breaks
            # a foreign key), answer as for any unknown key; else the error stands.
            self.keys.forget(key)
            await self.keys.store_id(key)
            raise

    async def record(self, store_id: str, token: str | None, *, url: str, title: str,
                     referrer: str | None) -> SeenGuest | None:
        """Store a page view; returns once it is committed (None: `token` is unknown here).

        Only http(s) URLs are kept (`domain.text.web_url`): staff open them as links.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[SeenGuest | None] = loop.create_future()
        referrer = web_url(referrer)
        self._pending.append(PendingView(
            store_id, token, token_hash(token) if token else None, (web_url(url) or "")[:MAX_URL],
            title[:500], referrer[:MAX_URL] if referrer else None, utcnow(), future))
        if not self._kick_scheduled and self._in_flight < self.max_in_flight:
            # Run after the requests already read in this loop turn have joined.
            self._kick_scheduled = True
            loop.call_soon(self._kick)
        return await future

    def _kick(self) -> None:
        self._kick_scheduled = False
        while self._pending and self._in_flight < self.max_in_flight:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self._in_flight += 1
            task = asyncio.get_running_loop().create_task(self._write(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _write(self, batch: list[PendingView]) -> None:
        try:
            await self._store(batch)
        finally:
            for view in batch:
                if not view.future.done():  # cancelled (shutdown): no answer, no promise
                    view.future.cancel()
            self._in_flight -= 1
            self._kick()
            if not self._in_flight and self.postgres is not None and self._release is None:
                self._release = asyncio.get_running_loop().call_later(
                    KEEP_CONNECTIONS_S, self._release_if_idle)

    def _release_if_idle(self) -> None:
        self._release = None
        if self.postgres is not None and not self._in_flight:
            task = asyncio.get_running_loop().create_task(self.postgres.release())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _store(self, batch: list[PendingView]) -> None:
        try:
            outcome: Outcome = await (self.postgres.store(batch) if self.postgres is not None
                                      else self.db.writer.run(sqlite_job(batch)))
        except Exception as exc:
            outcome = [exc] * len(batch)
        failed: list[PendingView] = []
        for view, result in zip(batch, outcome, strict=True):
            if view.future.done():
                continue
            if not isinstance(result, Exception):
                view.future.set_result(result)
            elif len(batch) == 1:
                view.future.set_exception(result)
            else:
                failed.append(view)
        if failed:
            # One bad page view must not fail the others: store each on its own.
            log.warning("page view batch failed, storing one by one",
                        exc_info=next(r for r in outcome if isinstance(r, Exception)))
            for view in failed:
                await self._store([view])

    async def close(self) -> None:
        """Wait for the batches being written (server shutdown)."""
        if self._release is not None:
            self._release.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.postgres is not None:
            await self.postgres.release()


async def guest_status(session: AsyncSession, store_id: str, token: str | None) -> SeenGuest | None:
    """The guest holding `token` in this store with its unread count, read only (`/status`)."""
    if not token:
        return None
    row = (await session.execute(_GUEST_BY_HASH, {"hash": token_hash(token)})).first()
    if row is None or row.store_id != store_id:
        return None
    return SeenGuest(row.id, token, bool(row.blacklisted), int(row.unread))
