"""`chats stores`: a provider lists, suspends, resumes, renames and deletes stores.

Suspending or deleting a store also closes what is open: its staff's sessions are
deleted in the same transaction, and after the commit one event per audience goes
to the broker — the staff sockets' `_logout`, the guest sockets' `_store_suspended`
— so every process (Redis) closes that store's sockets. With the in-process broker
(one SQLite process) the command cannot reach the server's sockets: they are refused
at their next reconnect or request instead (docs/deploy.md).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select

from chats.broker import make_broker
from chats.db.engine import Database
from chats.db.models import Conversation, Guest, Message, Staff, StaffSession, Store, Upload
from chats.events.audience import store_guests_channel, store_staff_channel
from chats.ids import iso, utcnow
from chats.ops import OpsError
from chats.services.uploads import file_path

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings

MAX_NAME = 200


def _count(model: Any) -> Any:
    return (select(model.store_id, func.count().label("n")).group_by(model.store_id)
            .subquery())


async def list_stores(settings: Settings) -> list[dict[str, Any]]:
    """Every store with its usage: staff, guests, conversations, messages, stored bytes."""
    counts = {name: _count(model) for name, model in (
        ("staff", Staff), ("guests", Guest), ("conversations", Conversation),
        ("messages", Message))}
    storage = (select(Upload.store_id, func.sum(Upload.size).label("n"))
               .group_by(Upload.store_id).subquery())
    query = select(Store, *(func.coalesce(q.c.n, 0).label(k) for k, q in counts.items()),
                   func.coalesce(storage.c.n, 0).label("storage_bytes"))
    for q in (*counts.values(), storage):
        query = query.outerjoin(q, q.c.store_id == Store.id)
    db = Database(settings.effective_database_url)
    try:
        async with db.read() as session:
            rows = (await session.execute(query.order_by(Store.created_at))).all()
    finally:
        await db.dispose()
    return [{
        "id": row.Store.id, "name": row.Store.name, "code": row.Store.widget_key,
        "suspended": row.Store.suspended_at is not None,
        "suspended_at": iso(row.Store.suspended_at) if row.Store.suspended_at else None,
        "created_at": iso(row.Store.created_at),
        **{k: int(getattr(row, k)) for k in (*counts, "storage_bytes")},
    } for row in rows]


async def _store(session: AsyncSession, ref: str) -> Store:
    """The store whose id or code (widget key) is `ref`."""
    store = await session.scalar(
        select(Store).where(or_(Store.id == ref, Store.widget_key == ref)).with_for_update())
    if store is None:
        raise OpsError(f"no store has the id or code {ref!r}", code="not_found")
    return store


async def _sign_out_staff(session: AsyncSession, store_id: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.staff_id.in_(
        select(Staff.id).where(Staff.store_id == store_id))))


async def _close_sockets(settings: Settings, store_id: str) -> None:
    """Ask every process to close this store's staff and guest sockets."""
    if not settings.redis_url:
        return
    broker = make_broker(settings.redis_url, prefix=settings.redis_prefix)
    try:
        await broker.publish(store_staff_channel(store_id), json.dumps({"type": "_logout"}))
        await broker.publish(store_guests_channel(store_id),
                             json.dumps({"type": "_store_suspended"}))
    finally:
        await broker.close()


def _view(store: Store) -> dict[str, Any]:
    return {"id": store.id, "name": store.name, "code": store.widget_key,
            "suspended": store.suspended_at is not None}


async def set_suspended(settings: Settings, ref: str, *, suspended: bool) -> dict[str, Any]:
    """Suspend (sign out its staff, close its sockets) or resume a store."""
    db = Database(settings.effective_database_url)
    try:
        async with db.write() as session:
            store = await _store(session, ref)
            store.suspended_at = utcnow() if suspended else None
            if suspended:
                await _sign_out_staff(session, store.id)
            await session.commit()
            view = _view(store)
    finally:
        await db.dispose()
    if suspended:
        await _close_sockets(settings, view["id"])
    return view


async def rename(settings: Settings, ref: str, name: str) -> dict[str, Any]:
    """Give a store a new name."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise OpsError(f"a store's name is 1 to {MAX_NAME} characters", code="bad_frame")
    db = Database(settings.effective_database_url)
    try:
        async with db.write() as session:
            store = await _store(session, ref)
            store.name = name
            await session.commit()
            return _view(store)
    finally:
        await db.dispose()


async def delete_store(settings: Settings, ref: str) -> dict[str, Any]:
    """Delete a store with everything it holds (rows cascade), then its files."""
    db = Database(settings.effective_database_url)
    try:
        async with db.write() as session:
            store = await _store(session, ref)
            view = _view(store)
            uploads = list(await session.scalars(select(Upload).where(Upload.store_id == store.id)))
            paths = [file_path(settings, u) for u in uploads]
            await _sign_out_staff(session, store.id)
            await session.delete(store)
            await session.commit()
    finally:
        await db.dispose()
    # After the commit: a crash in between leaves stray files, never rows without files.
    for path in paths:
        path.unlink(missing_ok=True)
    await _close_sockets(settings, view["id"])
    return {**view, "deleted": True, "files_removed": len(paths)}


def as_table(stores: list[dict[str, Any]]) -> str:
    """The listing as aligned text for a terminal."""
    columns = ("id", "name", "code", "suspended", "staff", "guests", "conversations",
               "messages", "storage_bytes")
    rows = [columns, *(tuple(str(s[c]) for c in columns) for s in stores)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def confirmed(ref: str) -> bool:
    """Ask on the terminal to type the store's id or code again (never when not a TTY)."""
    import sys

    if not sys.stdin.isatty():
        print("refusing to delete without --yes when not asked on a terminal", file=sys.stderr)
        return False
    answer = input(f"Delete store {ref} with all its data and files? Type {ref} to confirm: ")
    return answer.strip() == ref
