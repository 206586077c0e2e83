"""Message search for the console (issue 19 item 1): agents and admins, their store only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from chats.api.deps import Ctx, CurrentStaff
from chats.domain.conversation import ConversationStatus
from chats.services import search as search_service

router = APIRouter(prefix="/api/search", tags=["search"])


class SnippetSegment(BaseModel):
    text: str
    hit: bool  # the text matched a word of the query


class MessageHit(BaseModel):
    message_id: str
    conversation_id: str
    seq: int
    author: str
    staff_id: str | None
    staff_name: str | None
    guest_id: str
    nickname: str | None
    status: ConversationStatus
    created_at: datetime
    snippet: list[SnippetSegment]


class MessageSearchPage(BaseModel):
    hits: list[MessageHit]
    page: int
    has_more: bool
    # Set when every word was shorter than three characters: only this many of the
    # newest messages (after the filters) were read.
    scan_limit: int | None


@router.get("/messages", response_model=MessageSearchPage)
async def search_messages(
    auth: CurrentStaff, ctx: Ctx,
    q: Annotated[str, Query(max_length=1000, description="words, all of which must match")] = "",
    start: Annotated[date | None,
                     Query(alias="from", description="first day, in the store's zone")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, inclusive")] = None,
    staff_id: Annotated[str | None, Query(max_length=64)] = None,
    guest_id: Annotated[str | None, Query(max_length=64)] = None,
    status: ConversationStatus | None = None,
    page: Annotated[int, Query(ge=1, le=search_service.MAX_PAGE)] = 1,
) -> MessageSearchPage:
    """The store's messages holding every word of `q` (kana and widths folded), newest first."""
    filters = search_service.SearchFilters(start=start, end=end, staff_id=staff_id,
                                           guest_id=guest_id, status=status)
    async with ctx.db.read() as session:
        found = await search_service.search(session, auth.store.id, q=q, filters=filters,
                                            page=page)
    return MessageSearchPage(
        hits=[MessageHit(
            message_id=h.message_id, conversation_id=h.conversation_id, seq=h.seq,
            author=h.author, staff_id=h.staff_id, staff_name=h.staff_name, guest_id=h.guest_id,
            nickname=h.nickname, status=ConversationStatus(h.status), created_at=h.created_at,
            snippet=[SnippetSegment(text=s.text, hit=s.hit) for s in h.snippet],
        ) for h in found.hits],
        page=found.page, has_more=found.has_more, scan_limit=found.scan_limit,
    )
