"""Offline replies (M1, M2): a staff message that waits for a guest who is not chatting.

Where the reply goes: consecutive offline replies to one guest share one
conversation of kind `offline` (status `ended`, so it never holds a slot or
shows in the queue). When the guest's latest conversation is anything else
(a chat or a left message), a new offline conversation is opened. The reply
stays unread until the guest sends `read` for it (G7); the guest's next
`welcome` carries that conversation and its messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from chats.db.models import Conversation, Guest, Staff, Store
from chats.domain.conversation import (
    OPEN_STATUSES,
    ConversationKind,
    ConversationStatus,
    EndReason,
)
from chats.domain.webhooks import WebhookEvent
from chats.errors import ChatsError
from chats.events.audience import guest_channel, store_staff_channel
from chats.ids import utcnow
from chats.mail.outbox import queue_unread_notification
from chats.services import conversations as conversation_service
from chats.services import guest_directory, webhooks
from chats.services import messages as message_service

if TYPE_CHECKING:
    from chats.config import Settings
    from chats.db.models import Message
    from chats.events.unit_of_work import UnitOfWork

async def _offline_conversation(uow: UnitOfWork, guest: Guest, staff: Staff) -> Conversation:
    latest = await uow.session.scalar(
        select(Conversation).where(Conversation.guest_id == guest.id)
        .order_by(Conversation.created_at.desc()).limit(1)
    )
    if latest is not None and latest.status in OPEN_STATUSES:
        # The guest is chatting (or waiting): reply in the chat instead (M1 is for offline).
        raise ChatsError("conflict", "error.guest_in_chat")
    if latest is not None and latest.kind == ConversationKind.OFFLINE:
        latest.staff_id = staff.id
        return latest
    now = utcnow()
    conversation = Conversation(
        store_id=guest.store_id, guest_id=guest.id, staff_id=staff.id, nickname=guest.nickname,
        kind=ConversationKind.OFFLINE, status=ConversationStatus.ENDED,
        end_reason=EndReason.OFFLINE_REPLY, created_at=now, ended_at=now,
    )
    uow.session.add(conversation)
    await uow.session.flush()
    return conversation


async def reply(uow: UnitOfWork, *, settings: Settings, store: Store, staff: Staff,
                guest_id: str, text: str, notify_email: bool) -> tuple[Message, bool]:
    """M1: store a reply for an offline guest; M2: queue the e-mail notice in the same commit.

    Returns the message and whether a notice was queued (a sending limit may hold it back).
    """
    session = uow.session
    guest = await guest_directory.get_guest(session, guest_id, store.id)
    body = conversation_service.clean_text(text)
    address = None
    if notify_email:
        fields = await guest_directory.all_fields(session, store.id)
        address = guest_directory.email_of(guest, fields)
        if address is None:
            raise ChatsError("bad_frame", "error.no_guest_email", status=422)
    conversation = await _offline_conversation(uow, guest, staff)
    message = await message_service.insert_message(
        session, conversation, author="staff", kind="text", text=body, staff_id=staff.id,
    )
    await webhooks.queue(session, store_id=store.id, event=WebhookEvent.MESSAGE_CREATED,
                         subject_id=message.id, data=webhooks.message_data(message, guest.id))
    # Nothing from the guest here is waiting for staff.
    conversation.staff_read_seq = conversation.last_seq
    frames = await message_service.frames_for(session, [message])
    uow.publish(guest_channel(guest.id), frames[0])
    uow.publish(store_staff_channel(store.id), {"type": "guest_updated", "guest_id": guest.id})
    if address is None:
        return message, False
    queued = await queue_unread_notification(
        session, settings=settings, store=store, guest=guest,
        conversation_id=conversation.id, message_id=message.id, to_addr=address,
    )
    return message, queued is not None
