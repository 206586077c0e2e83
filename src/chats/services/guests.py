"""Guests: identified by a bearer token kept in the browser; page views; profile edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, insert, select, update

from chats.db.models import Conversation, Guest, Message, PageView, Store, StoreField
from chats.domain.text import search_key
from chats.errors import ChatsError
from chats.ids import new_id, new_token, token_hash, utcnow

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
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


async def record_page_view(
    session: AsyncSession, guest: Guest, *, url: str, title: str, referrer: str | None
) -> None:
    """G4: one page of the store's site viewed by the guest."""
    session.add(
        PageView(
            store_id=guest.store_id,
            guest_id=guest.id,
            url=url[:MAX_URL],
            title=title[:500],
            referrer=referrer[:MAX_URL] if referrer else None,
            viewed_at=utcnow(),
        )
    )


@dataclass(frozen=True)
class Visit:
    """Who made a page view: the store, the guest and the guest's (possibly new) token."""

    store_id: str
    guest_id: str
    token: str
    blacklisted: bool


def visit_job(widget_key: str, token: str | None, *, url: str, title: str,
              referrer: str | None) -> Callable[[Connection], Visit]:
    """A write job for one page view (G4): identify or create the guest, record the page."""
    stores, guests, views = (cast("Table", m.__table__) for m in (Store, Guest, PageView))

    def job(conn: Connection) -> Visit:
        store_id = conn.execute(
            select(stores.c.id).where(stores.c.widget_key == widget_key)).scalar()
        if store_id is None:
            raise ChatsError("not_found")
        now = utcnow()
        row = conn.execute(select(guests.c.id, guests.c.store_id, guests.c.blacklisted).where(
            guests.c.token_hash == token_hash(token))).first() if token else None
        if row is not None and row.store_id == store_id and token:
            conn.execute(update(guests).where(guests.c.id == row.id).values(last_seen_at=now))
            visit = Visit(store_id, row.id, token, bool(row.blacklisted))
        else:
            visit = Visit(store_id, new_id(), new_token(), False)
            conn.execute(insert(guests).values(
                id=visit.guest_id, store_id=store_id, token_hash=token_hash(visit.token),
                profile={}, notes="", blacklisted=False, search_text="",
                first_referrer=referrer[:MAX_URL] if referrer else None,
                first_seen_at=now, last_seen_at=now))
        conn.execute(insert(views).values(
            id=new_id(), store_id=store_id, guest_id=visit.guest_id, url=url[:MAX_URL],
            title=title[:500], referrer=referrer[:MAX_URL] if referrer else None, viewed_at=now))
        return visit

    return job


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
