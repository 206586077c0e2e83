"""Budgets of failed secret checks per key (current password, second-factor codes)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete

from chats.db.models import LoginThrottle
from chats.errors import ChatsError
from chats.ids import utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

WINDOW = timedelta(minutes=15)


async def refuse_if_locked(session: AsyncSession, key: str) -> None:
    """`rate_limited` while the key has spent its budget of failures."""
    row = await session.get(LoginThrottle, key)
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        raise ChatsError("rate_limited")


async def record_failure(session: AsyncSession, key: str, limit: int) -> None:
    """Count one failure; at `limit` failures within the window the key is locked for it."""
    now = utcnow()
    row = await session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
        session.add(row)
    elif now - row.window_start > WINDOW:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + WINDOW


async def clear(session: AsyncSession, key: str) -> None:
    """Forget the failures of a key after a success."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
