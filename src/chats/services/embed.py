"""The sites that may embed a store's widget (issue 12): read and change the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from chats.db.models import Store
from chats.domain.audit import AuditAction
from chats.domain.origins import MAX_EMBED_ORIGINS, OriginError, normalise_origins
from chats.errors import ChatsError
from chats.services import audit
from chats.services.admin import locked_store

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def clean_origins(raws: list[str]) -> list[str]:
    """The origins in normal form; a bad one is refused with a message naming it."""
    try:
        origins = normalise_origins(raws)
    except OriginError as exc:
        raise ChatsError("bad_frame", "error.embed_origin", value=str(exc)[:200]) from exc
    if len(origins) > MAX_EMBED_ORIGINS:
        raise ChatsError("bad_frame", "error.embed_origin_limit", max=MAX_EMBED_ORIGINS)
    return origins


async def embed_origins(session: AsyncSession, store_id: str) -> list[str]:
    """The store's list of sites that may embed its widget (empty: any site)."""
    store = await session.get(Store, store_id)
    assert store is not None  # the caller's own store
    return list(store.embed_origins or [])


async def set_embed_origins(session: AsyncSession, actor: audit.Actor, *, store_id: str,
                            origins: list[str]) -> list[str]:
    """Replace the store's list of sites that may embed its widget (empty: any site); audited."""
    cleaned = clean_origins(origins)
    store = await locked_store(session, store_id)
    store.embed_origins = cleaned
    audit.record(session, actor, AuditAction.SETTINGS_EMBED,
                 details={"origins": list(store.embed_origins)})
    return list(store.embed_origins)


async def embed_origins_by_key(session: AsyncSession, widget_key: str) -> list[str] | None:
    """The list of the store with this widget key; None when no store has it."""
    found = await session.scalar(select(Store.embed_origins).where(
        Store.widget_key == widget_key, Store.suspended_at.is_(None)))
    return None if found is None else list(found)
