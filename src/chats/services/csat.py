"""Satisfaction ratings (issue 19 item 2): the store's settings and the guest's rating.

The rules (scale, limits, default wording) are `domain/csat.py`. A guest rates an ended chat
of its own once; the staff member who held it and the admins following it get the staff
`conversation` frame again, now carrying `rating`, and the guest gets `rated`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chats.db.models import Conversation, Store
from chats.domain import csat
from chats.domain.conversation import ConversationKind, ConversationStatus
from chats.domain.webhooks import WebhookEvent
from chats.errors import ChatsError
from chats.events.audience import (
    guest_channel,
    staff_channel,
    store_staff_channel,
    watchers_channel,
)
from chats.ids import utcnow
from chats.services import webhooks
from chats.services.conversations import rating_json, staff_conversation_frame

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.events.unit_of_work import UnitOfWork


async def settings_of(session: AsyncSession, store_id: str) -> csat.CsatSettings:
    """The store's CSAT switch and wording (defaults filled in)."""
    store = await session.get(Store, store_id)
    if store is None:
        raise ChatsError("not_found")
    return csat.settings_from(store.csat)


async def save_settings(session: AsyncSession, *, store_id: str, enabled: bool,
                        questions: dict[str, str],
                        labels: dict[str, list[str]]) -> csat.CsatSettings:
    """Check and store new settings; a broken rule changes nothing (`bad_frame`)."""
    try:
        new = csat.checked(enabled, questions, labels)
    except csat.WordingError as exc:
        raise ChatsError("bad_frame", exc.key, limit=exc.params.get("limit"),
                         count=exc.params.get("count")) from exc
    store = await session.get(Store, store_id)
    if store is None:
        raise ChatsError("not_found")
    store.csat = new.to_json()
    return new


async def rate(uow: UnitOfWork, *, guest_id: str, conversation_id: str, score: int,
               comment: str | None, now: datetime | None = None) -> Conversation:
    """The guest rates its own ended chat, once.

    Refused: another guest's or an unknown conversation `not_found`; a chat still open, or
    not a chat, `conflict`; the store has ratings off `forbidden`; already rated
    `conflict`; a score off the scale `bad_frame`; a comment too long `too_large`.
    """
    if not csat.valid_score(score):
        raise ChatsError("bad_frame", "error.csat_score")
    try:
        text = csat.clean_comment(comment)
    except ValueError as exc:
        raise ChatsError("too_large", limit=csat.MAX_COMMENT) from exc
    session = uow.session
    conversation = await session.get(Conversation, conversation_id, with_for_update=True)
    if conversation is None or conversation.guest_id != guest_id:
        raise ChatsError("not_found")
    if conversation.kind != ConversationKind.CHAT or \
            conversation.status != ConversationStatus.ENDED:
        raise ChatsError("conflict", "error.csat_not_ended")
    if not (await settings_of(session, conversation.store_id)).enabled:
        raise ChatsError("forbidden", "error.csat_off")
    if conversation.rating is not None:
        raise ChatsError("conflict", "error.csat_already")
    conversation.rating, conversation.rating_comment = score, text
    conversation.rated_at = now or utcnow()
    await session.flush()
    rating = rating_json(conversation)
    await webhooks.queue(session, store_id=conversation.store_id,
                         event=WebhookEvent.CONVERSATION_RATED, subject_id=conversation.id,
                         data={**webhooks.conversation_data(conversation), "rating": rating})
    uow.publish(guest_channel(guest_id), {"type": "rated", "conversation_id": conversation.id,
                                          "rating": rating})
    frame = staff_conversation_frame(conversation, conversation.nickname)
    if conversation.staff_id:
        uow.publish(staff_channel(conversation.staff_id), frame)
    uow.publish(watchers_channel(conversation.id), frame)
    # The guest's user information (its conversations, with their ratings) changed.
    uow.publish(store_staff_channel(conversation.store_id),
                {"type": "guest_updated", "guest_id": guest_id})
    return conversation
