"""Conversation history over HTTP (protocol §4, §7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from chats.api.deps import Ctx, CurrentStaff
from chats.services import conversations as conversation_service
from chats.services import messages as message_service

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


class MessagePage(BaseModel):
    messages: list[dict[str, Any]]
    has_more: bool


@router.get("/{conversation_id}/messages", response_model=MessagePage)
async def list_messages(
    conversation_id: str,
    auth: CurrentStaff,
    ctx: Ctx,
    after_seq: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=message_service.MAX_PAGE),
) -> MessagePage:
    """Messages after `after_seq`, in order (the HTTP form of resume)."""
    async with ctx.db.read() as session:
        await conversation_service.get_for_store(session, conversation_id, auth.store.id)
        rows = await message_service.messages_after(session, conversation_id, after_seq,
                                                    limit + 1)
        frames = await message_service.frames_for(session, rows[:limit])
    for frame in frames:
        frame.pop("type", None)
    return MessagePage(messages=frames, has_more=len(rows) > limit)
