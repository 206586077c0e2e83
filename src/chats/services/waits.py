"""What a busy store tells its guests: the queue's length and an estimated wait (issue 14)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from chats.db.models import Conversation, Store
from chats.domain.conversation import ConversationKind
from chats.domain.queue import RECENT_WAIT_HOURS, RECENT_WAITS, estimate_wait
from chats.ids import utcnow
from chats.services.state import waiting_queue

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.db.engine import Database

ESTIMATE_TTL = 30.0
"""How long a store's estimate is served without asking the database again (seconds)."""


async def recent_waits(session: AsyncSession, store_id: str) -> list[float]:
    """Seconds from asking to being taken, of the store's latest claimed chats."""
    cutoff = utcnow() - timedelta(hours=RECENT_WAIT_HOURS)
    rows = await session.execute(
        select(Conversation.created_at, Conversation.claimed_at)
        .where(Conversation.store_id == store_id, Conversation.kind == ConversationKind.CHAT,
               Conversation.claimed_at.is_not(None), Conversation.claimed_at >= cutoff)
        .order_by(Conversation.claimed_at.desc())
        .limit(RECENT_WAITS)
    )
    return [(claimed - created).total_seconds() for created, claimed in rows
            if claimed is not None]


class WaitEstimates:
    """Each store's estimated wait, read at most once per `ttl` and again after a claim here.

    State is published on every change of a store; the estimate moves slowly, so it
    is not worth a query each time.
    """

    def __init__(self, db: Database, *, ttl: float = ESTIMATE_TTL) -> None:
        self.db = db
        self.ttl = ttl
        self._values: dict[str, tuple[int | None, float]] = {}

    async def get(self, store_id: str) -> int | None:
        """Estimated wait in seconds, or None when the store has no recent claims."""
        entry = self._values.get(store_id)
        now = time.monotonic()
        if entry is not None and entry[1] > now:
            return entry[0]
        async with self.db.read() as session:
            value = estimate_wait(await recent_waits(session, store_id))
        self._values[store_id] = (value, now + self.ttl)
        return value

    def forget(self, store_id: str) -> None:
        """A chat of the store was just claimed: the next look reads the waits again."""
        self._values.pop(store_id, None)


async def queue_when_busy(session: AsyncSession, store_id: str) -> bool:
    """Whether the store lets guests join the queue while every staff member is busy."""
    value = await session.scalar(select(Store.queue_when_busy).where(Store.id == store_id))
    return bool(value)


def busy_info(*, waiting: int, estimate: int | None, queue_open: bool) -> dict[str, Any]:
    """The `busy` object of `welcome` and `availability` (protocol §2)."""
    return {"waiting": waiting, "estimated_wait_seconds": estimate, "queue_open": queue_open}


async def busy_now(session: AsyncSession, estimates: WaitEstimates,
                   store_id: str) -> dict[str, Any]:
    """The `busy` object as things stand (a guest's hello, a refresh)."""
    queue = await waiting_queue(session, store_id)
    return busy_info(waiting=len(queue), estimate=await estimates.get(store_id),
                     queue_open=await queue_when_busy(session, store_id))


async def set_queue_when_busy(session: AsyncSession, *, store_id: str, value: bool) -> None:
    """Admin action: let guests join the queue while busy, or not."""
    store = await session.get(Store, store_id)
    assert store is not None  # the caller's own store
    store.queue_when_busy = value
