"""Guests: identified by a bearer token kept in the browser; profile edits (page views: visits)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from chats.db.models import Conversation, Guest, Message, Store, StoreField
from chats.domain.text import search_key
from chats.errors import ChatsError
from chats.ids import new_token, token_hash, utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_URL = 2000


async def store_by_key(session: AsyncSession, widget_key: str) -> Store:
    """The store of a widget key, or not_found."""
    store = await session.scalar(select(Store).where(Store.widget_key == widget_key))
    if store is None:
        raise ChatsError("not_found")
    return store


async def guest_by_token(session: AsyncSession, store_id: str, token: str | None) -> Guest | None:
    """The guest holding `token` in this store (a token of another store finds nothing)."""
    if not token:
        return None
    guest = await session.scalar(select(Guest).where(Guest.token_hash == token_hash(token)))
    if guest is None or guest.store_id != store_id:
        return None
    return guest


async def identify(
    session: AsyncSession, store: Store, token: str | None, *, referrer: str | None = None
) -> tuple[Guest, str]:
    """The guest for `token`, or a new guest with a new token; returns (guest, token)."""
    guest = await guest_by_token(session, store.id, token)
    now = utcnow()
    if guest is not None and token:
        guest.last_seen_at = now
        return guest, token
    token = new_token()
    guest = Guest(
        store_id=store.id,
        token_hash=token_hash(token),
        first_referrer=(referrer or None) and str(referrer)[:MAX_URL],
        first_seen_at=now,
        last_seen_at=now,
    )
    session.add(guest)
    await session.flush()
    return guest, token


async def unread_for_guest(session: AsyncSession, guest_id: str) -> int:
    """Staff messages the guest has not read yet (G7)."""
    n = await session.scalar(
        select(func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.guest_id == guest_id,
            Message.author == "staff",
            Message.seq > Conversation.guest_read_seq,
        )
    )
    return int(n or 0)


def refresh_search_text(guest: Guest) -> None:
    """Keep the folded search column in step with nickname and profile (W1 search)."""
    parts = [guest.nickname or "", *[str(v) for v in (guest.profile or {}).values()]]
    guest.search_text = search_key(" ".join(p for p in parts if p))


async def store_fields(session: AsyncSession, store_id: str) -> list[StoreField]:
    """The store's user-information fields in display order (removed ones excluded)."""
    rows = await session.scalars(
        select(StoreField)
        .where(StoreField.store_id == store_id, StoreField.removed.is_(False))
        .order_by(StoreField.position, StoreField.created_at)
    )
    return list(rows)


def merge_profile(guest: Guest, values: dict[str, Any], allowed: set[str]) -> None:
    """Store profile values for known field keys; unknown keys are ignored."""
    profile = dict(guest.profile or {})
    for key, value in values.items():
        if key in allowed:
            profile[key] = "" if value is None else str(value)[:2000]
    guest.profile = profile
    refresh_search_text(guest)
