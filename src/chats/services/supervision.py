"""The supervisor's actions (issue 14 item 3): the store's open chats at a glance, and an
admin's take-over, reassignment, return to the queue and end of any of them.

Every action is for admins of the conversation's store: an agent gets `forbidden`
whatever it names, another store's ids answer `not_found`. Each action writes a system
line that reaches the guest, the staff member who held the chat and the admins following
it, before the chat moves on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from chats.db.models import Conversation, Message, Staff
from chats.domain.conversation import OPEN_STATUSES, ConversationEvent, ConversationStatus
from chats.domain.staff import StaffRole
from chats.errors import ChatsError
from chats.events.audience import staff_channel
from chats.ids import iso, utcnow
from chats.services import conversations as chats

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.events.unit_of_work import UnitOfWork

EXCERPT = 80  # code points of the last message shown in the overview
OVERVIEW_LIMIT = 500  # open chats listed at most (oldest first)


async def require_admin(session: AsyncSession, staff_id: str) -> Staff:
    """The caller's current row, if it is an active admin; `forbidden` otherwise."""
    staff = await session.get(Staff, staff_id, populate_existing=True)
    if staff is None or not staff.active or staff.role != StaffRole.ADMIN:
        raise ChatsError("forbidden", "error.admin_only")
    return staff


def _unanswered_since() -> Any:
    """When the guest's oldest message after the last staff message was written."""
    reply, asked = aliased(Message), aliased(Message)
    answered = (select(func.coalesce(func.max(reply.seq), 0))
                .where(reply.conversation_id == Conversation.id, reply.author == "staff")
                .correlate(Conversation)
                .scalar_subquery())
    return (select(func.min(asked.created_at))
            .where(asked.conversation_id == Conversation.id, asked.author == "guest",
                   asked.seq > answered)
            .correlate(Conversation)
            .scalar_subquery())


async def overview(session: AsyncSession, store_id: str) -> list[dict[str, Any]]:
    """Every waiting and active conversation of the store, oldest first (the `overview` list).

    Read as plain columns, not ORM objects: it is read again on every change while an
    admin supervises, and building objects was most of its cost.
    """
    last = aliased(Message)
    unread = (select(func.count()).select_from(Message)
              .where(Message.conversation_id == Conversation.id, Message.author == "guest",
                     Message.seq > Conversation.staff_read_seq)
              .scalar_subquery())
    rows = await session.execute(
        select(Conversation.id, Conversation.guest_id, Conversation.nickname,
               Conversation.status, Conversation.staff_id, Conversation.created_at,
               Staff.name, last.author, last.kind, last.text, last.created_at,
               unread, _unanswered_since())
        .outerjoin(Staff, Staff.id == Conversation.staff_id)
        .outerjoin(last, and_(last.conversation_id == Conversation.id,
                              last.seq == Conversation.last_seq))
        .where(Conversation.store_id == store_id, Conversation.status.in_(OPEN_STATUSES))
        .order_by(Conversation.created_at, Conversation.id)
        .limit(OVERVIEW_LIMIT))
    return [_entry(tuple(row)) for row in rows]


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    (conversation_id, guest_id, nickname, status, staff_id, created_at, staff_name,
     last_author, last_kind, last_text, last_at, unread, unanswered) = row
    waiting = status == ConversationStatus.WAITING
    since = created_at if waiting else unanswered
    return {
        "conversation_id": conversation_id,
        "guest_id": guest_id,
        "nickname": nickname or "",
        "status": status,
        "staff": ({"id": staff_id, "name": staff_name or ""}
                  if staff_id and not waiting else None),
        "created_at": iso(created_at),
        "waiting_since": iso(since) if since is not None else None,
        "last_message": None if last_author is None else {
            "author": last_author, "kind": last_kind,
            "text": (last_text or "")[:EXCERPT] if last_kind != "stamp" else "",
            "created_at": iso(last_at),
        },
        "unread": int(unread or 0),
    }


async def overview_frame(session: AsyncSession, store_id: str) -> dict[str, Any]:
    """The `overview` frame of a store."""
    return {"type": "overview", "conversations": await overview(session, store_id)}


async def _target(session: AsyncSession, store_id: str, conversation_id: str) -> Conversation:
    """The open conversation, locked; staff rows are locked before it, as a claim does."""
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update())
    if conversation is None or conversation.store_id != store_id:
        raise ChatsError("not_found")
    if conversation.status not in OPEN_STATUSES:
        raise ChatsError("conflict", "error.conversation_ended")
    return conversation


async def _assign(uow: UnitOfWork, conversation: Conversation, target: Staff, *,
                  key: str, locale: str, **params: object) -> None:
    """Give an open conversation to `target`; the line goes out while the former holds it."""
    session = uow.session
    await chats._ensure_capacity(session, target)
    former = conversation.staff_id if conversation.status == ConversationStatus.ACTIVE else None
    await chats.system_message(uow, conversation, key, locale, **params)
    if conversation.status == ConversationStatus.WAITING:
        chats._apply(conversation, ConversationEvent.CLAIM)
        if conversation.claimed_at is None:  # counted once, as a claim would be (A5)
            await chats.bump_daily(session, conversation.store_id, "forms_executed")
        conversation.claimed_at = utcnow()
    else:
        chats._apply(conversation, ConversationEvent.TRANSFER)
    conversation.staff_id = target.id
    await session.flush()
    if former:
        uow.publish(staff_channel(former),
                    chats.staff_conversation_frame(conversation, conversation.nickname))
    await chats._announce_assignment(uow, conversation, target, conversation.nickname)


async def take_over(uow: UnitOfWork, *, admin_id: str, store_id: str, conversation_id: str,
                    locale: str) -> Conversation:
    """The admin becomes the conversation's staff member (under its own limit)."""
    await require_admin(uow.session, admin_id)
    admin = await chats._lock_staff(uow.session, admin_id)
    conversation = await _target(uow.session, store_id, conversation_id)
    if conversation.status == ConversationStatus.ACTIVE and conversation.staff_id == admin_id:
        raise ChatsError("conflict", "error.same_staff")
    await _assign(uow, conversation, admin, key="system.taken_over", locale=locale,
                  name=admin.name)
    return conversation


async def reassign(uow: UnitOfWork, *, admin_id: str, store_id: str, conversation_id: str,
                   to_staff_id: str, online_ids: set[str], locale: str) -> Conversation:
    """Give the conversation to another online staff member with room."""
    session = uow.session
    await require_admin(session, admin_id)
    target = await session.get(Staff, to_staff_id)
    if target is None or target.store_id != store_id or not target.active:
        raise ChatsError("not_found")
    target = await chats._lock_staff(session, to_staff_id)
    conversation = await _target(session, store_id, conversation_id)
    if conversation.status == ConversationStatus.ACTIVE and conversation.staff_id == to_staff_id:
        raise ChatsError("conflict", "error.same_staff")
    if to_staff_id not in online_ids:
        raise ChatsError("unavailable", "error.not_online")
    await _assign(uow, conversation, target, key="system.reassigned", locale=locale,
                  name=target.name)
    return conversation


async def return_to_queue(uow: UnitOfWork, *, admin_id: str, store_id: str,
                          conversation_id: str, locale: str) -> Conversation:
    """An active conversation back to the front of the queue, history kept."""
    await require_admin(uow.session, admin_id)
    conversation = await _target(uow.session, store_id, conversation_id)
    if conversation.status != ConversationStatus.ACTIVE:
        raise ChatsError("conflict", "error.already_waiting")
    await chats.release(uow, conversation, locale)
    return conversation


async def end(uow: UnitOfWork, *, admin_id: str, store_id: str, conversation_id: str,
              locale: str) -> Conversation:
    """End a waiting or active conversation of the store."""
    await require_admin(uow.session, admin_id)
    conversation = await _target(uow.session, store_id, conversation_id)
    await chats.finish(uow, conversation, ConversationEvent.END, locale)
    return conversation


async def watched(session: AsyncSession, *, admin_id: str, store_id: str,
                  conversation_id: str) -> Conversation:
    """A conversation of the store an admin may follow read-only (any status)."""
    await require_admin(session, admin_id)
    return await chats.get_for_store(session, conversation_id, store_id)
