"""What the REST API (/api/v1, issue 17 item 2) reads and does: conversations and guests of
one store, listed newest first with cursor paging; ending a conversation; updating a guest.

A cursor is the last row's (time, id) in url-safe base64: rows are ordered by that pair,
so a page never skips or repeats a row while newer ones arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import and_, exists, or_, select

from chats.db.models import Conversation, Guest
from chats.domain.conversation import OPEN_STATUSES, ConversationEvent, ConversationStatus
from chats.errors import ChatsError
from chats.events.audience import store_staff_channel
from chats.services import conversations as chats
from chats.services import guest_directory as directory
from chats.services.guests import refresh_search_text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.events.unit_of_work import UnitOfWork
    from chats.services.audit import Actor

MAX_LIMIT: Final = 100


def aware(at: datetime | None) -> datetime | None:
    """A filter's time in UTC; one given without an offset is taken as UTC."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def encode_cursor(at: datetime, row_id: str) -> str:
    """The cursor that continues after the row (at, row_id)."""
    raw = json.dumps([at.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor names; a cursor this API did not make is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or not isinstance(row_id, str):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ChatsError("bad_frame", "error.cursor") from exc
    return when, row_id


def _after(time_column: Any, id_column: Any, cursor: str | None) -> Any:
    """Rows older than the cursor's, in (time desc, id desc) order."""
    if not cursor:
        return None
    at, row_id = decode_cursor(cursor)
    return or_(time_column < at, and_(time_column == at, id_column < row_id))


@dataclass(frozen=True)
class ConversationFilter:
    """The integrator's filters; None means any."""

    status: ConversationStatus | None = None
    staff_id: str | None = None
    guest_id: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive


async def list_conversations(session: AsyncSession, store_id: str, where: ConversationFilter,
                             *, cursor: str | None, limit: int
                             ) -> tuple[list[Conversation], str | None]:
    """One page of the store's conversations, newest first; (rows, next cursor or None)."""
    query = select(Conversation).where(Conversation.store_id == store_id)
    conditions = [
        Conversation.status == where.status if where.status else None,
        Conversation.staff_id == where.staff_id if where.staff_id else None,
        Conversation.guest_id == where.guest_id if where.guest_id else None,
        Conversation.created_at >= where.created_from if where.created_from else None,
        Conversation.created_at < where.created_to if where.created_to else None,
        _after(Conversation.created_at, Conversation.id, cursor),
    ]
    query = query.where(*(c for c in conditions if c is not None))
    query = query.order_by(Conversation.created_at.desc(), Conversation.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    return _page(rows, limit, lambda c: encode_cursor(c.created_at, c.id))


def _page(rows: list[Any], limit: int, cursor_of: Any) -> tuple[list[Any], str | None]:
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], cursor_of(rows[limit - 1])


async def list_guests(session: AsyncSession, store_id: str, *, q: str,
                      blacklisted: bool | None, cursor: str | None, limit: int
                      ) -> tuple[list[Guest], str | None]:
    """Guests the store has talked to, first seen newest first; (rows, next cursor)."""
    talked = exists().where(Conversation.guest_id == Guest.id)
    query = select(Guest).where(Guest.store_id == store_id, talked)
    if q.strip():
        query = query.where(directory.search_condition(q))
    if blacklisted is not None:
        query = query.where(Guest.blacklisted.is_(blacklisted))
    after = _after(Guest.first_seen_at, Guest.id, cursor)
    if after is not None:
        query = query.where(after)
    query = query.order_by(Guest.first_seen_at.desc(), Guest.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    return _page(rows, limit, lambda g: encode_cursor(g.first_seen_at, g.id))


async def end_conversation(uow: UnitOfWork, *, store_id: str, conversation_id: str,
                           locale: str) -> Conversation:
    """End a waiting or active conversation of the store, as an admin's end would."""
    conversation = await uow.session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update())
    if conversation is None or conversation.store_id != store_id:
        raise ChatsError("not_found")
    if conversation.status not in OPEN_STATUSES:
        raise ChatsError("conflict", "error.conversation_ended")
    await chats.finish(uow, conversation, ConversationEvent.END, locale)
    return conversation


@dataclass(frozen=True)
class GuestChanges:
    """What an update sets; None leaves a part as it is."""

    nickname: str | None = None
    notes: str | None = None
    profile: dict[str, str | None] | None = None
    blacklisted: bool | None = None


async def update_guest(uow: UnitOfWork, *, store_id: str, guest_id: str,
                       changes: GuestChanges, locale: str, actor: Actor) -> Guest:
    """Save a guest's fields, notes, nickname or blacklist switch; the console hears of it."""
    guest = await directory.get_guest(uow.session, guest_id, store_id)
    changed = False
    if changes.profile is not None:
        fields = await directory.all_fields(uow.session, store_id)
        changed = directory.apply_profile(guest, fields, changes.profile)
    if changes.nickname is not None and changes.nickname.strip() != guest.nickname:
        guest.nickname = changes.nickname.strip()
        refresh_search_text(guest)
        changed = True
    if changes.notes is not None and changes.notes != guest.notes:
        guest.notes = changes.notes
        changed = True
    if changes.blacklisted is not None and changes.blacklisted != guest.blacklisted:
        # Publishes guest_updated itself, after ending an open chat.
        await chats.set_blacklisted(uow, guest=guest, blacklisted=changes.blacklisted,
                                    locale=locale, actor=actor)
    elif changed:
        uow.publish(store_staff_channel(store_id), {"type": "guest_updated",
                                                    "guest_id": guest.id})
    return guest
