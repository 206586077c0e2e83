"""Staff login: sessions in the database, CSRF tokens, throttling of failed logins."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from chats.db.models import LoginThrottle, Staff, StaffSession, Store
from chats.errors import ChatsError
from chats.ids import new_token, token_hash, utcnow
from chats.security import verify_password

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

SESSION_LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=5)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_ACCOUNT = 5
MAX_FAILURES_IP = 20


@dataclass
class LoginResult:
    """A new session: the cookie value and the CSRF token for the client."""

    token: str
    csrf_token: str
    staff: Staff
    store: Store


async def _throttle_row(session: AsyncSession, key: str) -> LoginThrottle:
    row = await session.get(LoginThrottle, key)
    now = utcnow()
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
        session.add(row)
    elif now - row.window_start > THROTTLE_WINDOW:
        row.failures, row.window_start, row.locked_until = 0, now, None
    return row


async def _is_locked(session: AsyncSession, keys: list[str]) -> bool:
    now = utcnow()
    for key in keys:
        row = await session.get(LoginThrottle, key)
        if row and row.locked_until and row.locked_until > now:
            return True
    return False


async def _record_failure(session: AsyncSession, account_key: str, ip_key: str) -> None:
    for key, limit in ((account_key, MAX_FAILURES_ACCOUNT), (ip_key, MAX_FAILURES_IP)):
        row = await _throttle_row(session, key)
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = utcnow() + THROTTLE_WINDOW


async def login(
    session: AsyncSession,
    *,
    login_id: str,
    password: str,
    ip: str,
    user_agent: str | None,
    old_token: str | None,
) -> LoginResult:
    """Check credentials and open a new session (the old one, if any, is dropped)."""
    account_key, ip_key = f"acct:{login_id.strip().lower()}", f"ip:{ip}"
    if await _is_locked(session, [account_key, ip_key]):
        raise ChatsError("rate_limited")
    staff = await session.scalar(select(Staff).where(Staff.login_id == login_id.strip()))
    # argon2 takes ~0.5 s of CPU: off the event loop, so sockets keep flowing meanwhile.
    ok = await asyncio.to_thread(verify_password, staff.password_hash if staff else None,
                                 password)
    if not ok or staff is None or not staff.active:
        await _record_failure(session, account_key, ip_key)
        await session.commit()
        raise ChatsError("unauthorized", "error.login_failed")
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key))
    if old_token:
        await session.execute(delete(StaffSession).where(StaffSession.id == token_hash(old_token)))
    token, csrf = new_token(), new_token(24)
    now = utcnow()
    session.add(
        StaffSession(
            id=token_hash(token),
            staff_id=staff.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            ip=ip[:64],
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    store = await session.get(Store, staff.store_id)
    assert store is not None
    return LoginResult(token=token, csrf_token=csrf, staff=staff, store=store)


async def resolve_session(
    session: AsyncSession, token: str | None
) -> tuple[StaffSession, Staff, Store] | None:
    """The live session, staff member and store for a cookie token, or None."""
    if not token:
        return None
    row = await session.get(StaffSession, token_hash(token))
    now = utcnow()
    if row is None or row.expires_at <= now:
        return None
    staff = await session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        return None
    store = await session.get(Store, staff.store_id)
    if store is None:
        return None
    return row, staff, store


def needs_touch(row: StaffSession) -> bool:
    """Sessions slide forward, but at most every few minutes (fewer writes)."""
    return utcnow() - row.last_seen_at > TOUCH_EVERY


async def logout(session: AsyncSession, token: str) -> str | None:
    """End the session; returns the staff id it belonged to."""
    row = await session.get(StaffSession, token_hash(token))
    if row is None:
        return None
    staff_id = row.staff_id
    await session.delete(row)
    return staff_id
