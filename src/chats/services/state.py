"""Store-wide live state: who is online with what load, availability, the waiting queue."""

from __future__ import annotations

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
from chats.domain.queue import QueuedConversation, order_queue
from chats.ids import iso

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.realtime.broker.presence import Presence


async def active_counts(session: AsyncSession, staff_ids: set[str]) -> dict[str, int]:
    """Active conversations per staff member."""
    if not staff_ids:
        return {}
    rows = await session.execute(
        select(Conversation.staff_id, func.count())
        .where(Conversation.staff_id.in_(staff_ids), Conversation.status == "active")
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
    session: AsyncSession, presence: Presence, store_id: str
) -> Availability:
    """away / waiting / busy for the store right now."""
    return store_availability(loads(await online_staff(session, presence, store_id)))


async def guest_availability_now(
    session: AsyncSession, presence: Presence, store_id: str, *, blacklisted: bool
) -> Availability:
    """What one guest sees: away when blacklisted."""
    if blacklisted:
        return Availability.AWAY
    online = loads(await online_staff(session, presence, store_id))
    return guest_availability(online, blacklisted=False)


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
        .where(Conversation.store_id == store_id, Conversation.status == "waiting",
               Conversation.kind == "chat")
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
