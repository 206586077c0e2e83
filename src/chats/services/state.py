"""Store-wide live state: who is online with what load, availability, the waiting queue."""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from chats.db.models import Conversation, Guest, Staff
from chats.domain.availability import (
    Availability,
    StaffLoad,
    guest_availability,
    staff_status,
    store_availability,
)
from chats.domain.conversation import ConversationKind, ConversationStatus
from chats.domain.queue import QueuedConversation, order_queue
from chats.events.audience import store_guests_channel
from chats.ids import iso
from chats.services import business_hours

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.broker.base import EventHandler
    from chats.broker.presence import Presence
    from chats.db.engine import Database
    from chats.ids import Clock


async def active_counts(session: AsyncSession, staff_ids: set[str]) -> dict[str, int]:
    """Active conversations per staff member."""
    if not staff_ids:
        return {}
    rows = await session.execute(
        select(Conversation.staff_id, func.count())
        .where(Conversation.staff_id.in_(staff_ids),
               Conversation.status == ConversationStatus.ACTIVE)
        .group_by(Conversation.staff_id)
    )
    return {str(staff_id): int(n) for staff_id, n in rows}


async def online_staff(
    session: AsyncSession, presence: Presence, store_id: str
) -> list[tuple[Staff, int]]:
    """Online, active staff members of a store with their active chat count."""
    ids = await presence.online(store_id)
    if not ids:
        return []
    staff = list(
        await session.scalars(
            select(Staff)
            .where(Staff.id.in_(ids), Staff.store_id == store_id, Staff.active.is_(True))
            .order_by(Staff.name)
        )
    )
    counts = await active_counts(session, {s.id for s in staff})
    return [(s, counts.get(s.id, 0)) for s in staff]


def loads(online: list[tuple[Staff, int]]) -> list[StaffLoad]:
    """The domain's view of who is online."""
    return [StaffLoad(s.id, n, s.max_chats) for s, n in online]


async def store_availability_now(
    session: AsyncSession, presence: Presence, store_id: str, now: datetime
) -> Availability:
    """away / waiting / busy for the store at `now`: away outside its business hours."""
    if not (await business_hours.state_now(session, store_id, now)).open:
        return Availability.AWAY
    return store_availability(loads(await online_staff(session, presence, store_id)))


async def guest_availability_now(
    session: AsyncSession, presence: Presence, store_id: str, *, blacklisted: bool,
    now: datetime,
) -> tuple[Availability, business_hours.HoursState]:
    """What one guest sees (away when blacklisted or outside hours), and the store's hours."""
    hours = await business_hours.state_now(session, store_id, now)
    if blacklisted or not hours.open:
        return Availability.AWAY, hours
    online = loads(await online_staff(session, presence, store_id))
    return guest_availability(online, blacklisted=False), hours


def online_frame(online: list[tuple[Staff, int]]) -> dict[str, Any]:
    """The `online` frame (protocol §5)."""
    return {
        "type": "online",
        "staff": [
            {
                "id": s.id,
                "name": s.name,
                "active_chats": n,
                "max_chats": s.max_chats,
                "status": staff_status(n, replying_offline=False).value,
            }
            for s, n in online
        ],
    }


async def waiting_queue(session: AsyncSession, store_id: str) -> list[QueuedConversation]:
    """The store's waiting conversations, in the order staff should take them."""
    rows = await session.execute(
        select(Conversation.id, Conversation.guest_id, Conversation.nickname,
               Conversation.created_at, Guest.nickname)
        .join(Guest, Guest.id == Conversation.guest_id)
        .where(Conversation.store_id == store_id, Conversation.status == ConversationStatus.WAITING,
               Conversation.kind == ConversationKind.CHAT)
    )
    return order_queue(
        QueuedConversation(cid, gid, conv_nick or guest_nick or "", since)
        for cid, gid, conv_nick, since, guest_nick in rows
    )


def queue_list(queue: list[QueuedConversation]) -> list[dict[str, Any]]:
    """The `waiting` list of a `queue` frame."""
    return [
        {"conversation_id": q.conversation_id, "guest_id": q.guest_id, "nickname": q.nickname,
         "since": iso(q.since)}
        for q in queue
    ]


AVAILABILITY_TTL = 1.0
"""How long a store's availability is served without looking again (seconds)."""


class AvailabilityCache:
    """Each store's availability, read from presence and the database at most once a second.

    A page view (`/visit`, `/status`) must not load the online staff and count their
    chats every time. A value older than `ttl` is read again, and an `availability`
    frame on the store's guests channel — which any process's `StateNotifier`
    publishes after a change, and the broker hands to every process — replaces it at
    once. So an answer lags a change by at most `ttl` (a frame lost by pub/sub, a
    process that died without publishing), and usually only by the frame's trip.
    """

    def __init__(self, db: Database, presence: Presence, *, clock: Clock,
                 ttl: float = AVAILABILITY_TTL) -> None:
        self.db = db
        self.clock = clock
        self.presence = presence
        self.ttl = ttl
        self._values: dict[str, tuple[Availability, float]] = {}
        self._versions: dict[str, int] = {}
        self._channels: dict[str, str] = {}
        self._loading: dict[str, asyncio.Task[Availability]] = {}

    async def get(self, store_id: str) -> Availability:
        """The store's availability, at most `ttl` seconds old."""
        entry = self._values.get(store_id)
        if entry is not None and entry[1] > time.monotonic():
            return entry[0]
        task = self._loading.get(store_id)
        if task is None:
            # One read per store however many page views wait for it.
            task = asyncio.get_running_loop().create_task(self._load(store_id))
            self._loading[store_id] = task
            task.add_done_callback(partial(self._loaded, store_id))
        return await asyncio.shield(task)

    async def _load(self, store_id: str) -> Availability:
        self._channels.setdefault(store_guests_channel(store_id), store_id)
        version = self._versions.get(store_id, 0)
        started = time.monotonic()
        async with self.db.read() as session:
            value = await store_availability_now(session, self.presence, store_id,
                                                 self.clock.now())
        if self._versions.get(store_id, 0) != version:
            return self._values[store_id][0]  # a frame came in meanwhile: it is newer
        self._values[store_id] = (value, started + self.ttl)
        return value

    def _loaded(self, store_id: str, task: asyncio.Task[Availability]) -> None:
        self._loading.pop(store_id, None)
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every waiter went away

    def observe(self, channel: str, data: str) -> None:
        """Take a store's availability from a broker event on its guests channel."""
        store_id = self._channels.get(channel)
        if store_id is None:
            return
        try:
            frame = json.loads(data)
            value = Availability(frame["status"]) if frame.get("type") == "availability" \
                and not frame.get("_blacklisted") else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return
        if value is not None:
            self._values[store_id] = (value, time.monotonic() + self.ttl)
            self._versions[store_id] = self._versions.get(store_id, 0) + 1

    def tap(self, handler: EventHandler) -> EventHandler:
        """`handler` (the hub's), seeing availability frames first."""

        async def handle(channel: str, data: str) -> None:
            self.observe(channel, data)
            await handler(channel, data)

        return handle
