"""/api/v1/conversations: list and filter, read one with its messages, end one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from chats.api.bearer import ReadToken, WriteToken
from chats.api.deps import Ctx
from chats.api.v1.schemas import (
    ConversationPageV1,
    ConversationV1,
    MessagePageV1,
    Status,
    conversation_v1,
    message_v1,
)
from chats.domain.conversation import ConversationStatus
from chats.services import conversations as conversation_service
from chats.services import messages as message_service
from chats.services import rest_api

router = APIRouter(prefix="/conversations", tags=["REST API: conversations"])


@router.get("", response_model=ConversationPageV1)
async def list_conversations(
    auth: ReadToken, ctx: Ctx,
    status: Status | None = None,
    staff_id: str | None = Query(default=None, max_length=32),
    guest_id: str | None = Query(default=None, max_length=32),
    created_from: Annotated[datetime | None, Query(description="Inclusive, ISO 8601")] = None,
    created_to: Annotated[datetime | None, Query(description="Exclusive, ISO 8601")] = None,
    cursor: str | None = Query(default=None, max_length=400),
    limit: int = Query(default=50, ge=1, le=rest_api.MAX_LIMIT),
) -> ConversationPageV1:
    """The store's conversations, newest first, filtered; `next_cursor` pages on."""
    where = rest_api.ConversationFilter(
        status=None if status is None else ConversationStatus(status),
        staff_id=staff_id, guest_id=guest_id,
        created_from=rest_api.aware(created_from), created_to=rest_api.aware(created_to))
    async with ctx.db.read() as session:
        rows, next_cursor = await rest_api.list_conversations(
            session, auth.store.id, where, cursor=cursor, limit=limit)
    return ConversationPageV1(conversations=[conversation_v1(c) for c in rows],
                            next_cursor=next_cursor)


@router.get("/{conversation_id}", response_model=ConversationV1)
async def get_conversation(conversation_id: str, auth: ReadToken, ctx: Ctx) -> ConversationV1:
    """One conversation of the store."""
    async with ctx.db.read() as session:
        row = await conversation_service.get_for_store(session, conversation_id, auth.store.id)
    return conversation_v1(row)


@router.get("/{conversation_id}/messages", response_model=MessagePageV1)
async def list_messages(
    conversation_id: str, auth: ReadToken, ctx: Ctx,
    after_seq: int = Query(default=0, ge=0, description="Messages with a greater seq"),
    limit: int = Query(default=100, ge=1, le=message_service.MAX_PAGE),
) -> MessagePageV1:
    """The conversation's messages in seq order, after `after_seq`."""
    async with ctx.db.read() as session:
        await conversation_service.get_for_store(session, conversation_id, auth.store.id)
        rows = await message_service.messages_after(session, conversation_id, after_seq,
                                                    limit + 1)
        frames = await message_service.frames_for(session, rows[:limit])
    messages = [message_v1(f) for f in frames]
    more = len(rows) > limit
    return MessagePageV1(messages=messages, next_after_seq=messages[-1].seq if more else None)


@router.post("/{conversation_id}/end", response_model=ConversationV1)
async def end_conversation(conversation_id: str, auth: WriteToken, ctx: Ctx) -> ConversationV1:
    """End a waiting or active conversation (409 when it has already ended)."""
    async with ctx.unit_of_work() as uow:
        row = await rest_api.end_conversation(uow, store_id=auth.store.id,
                                              conversation_id=conversation_id,
                                              locale=auth.store.locale)
        out = conversation_v1(row)
    ctx.notifier.notify(auth.store.id)
    return out
