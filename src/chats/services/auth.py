"""Staff login: sessions in the database, CSRF tokens, throttling of failed logins."""

from __future__ import annotations

import asyncio
import math
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update

from chats.db.models import Staff, StaffSession, Store
from chats.devices import device_for, remember
from chats.errors import ChatsError
from chats.ids import new_token, token_hash, utcnow
from chats.security import hash_slots, verify_password_async
from chats.services import login_throttle, passwords, two_factor
from chats.services.login_throttle import LoginKeys

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.db.engine import Database
    from chats.events.unit_of_work import Publisher

SESSION_LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=5)


@dataclass
class Logins:
    """What a login uses of its process: the database, the secret key, and the password
    checks in flight, by login ID."""

    db: Database
    publisher: Publisher
    secret_key: str
    checks_in_flight: set[str] = field(default_factory=set)
    gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(hash_slots() + 1))
    """Logins under way at once: one more than argon2 computations. A storm of logins waits
    here, before its reads, instead of bursting onto the event loop and the database."""


@dataclass
class LoginResult:
    """A new session: the cookie value and the CSRF token for the client."""

    token: str
    csrf_token: str
    staff: Staff
    store: Store
    device_cookie: str = ""  # the browser's device cookie, now proving this login ID too


@dataclass
class SecondFactorAsked:
    """The password was right; `kind` "totp" asks for a code, "setup" for enrolment first."""

    kind: str
    challenge: str


def _refuse_for(wait: timedelta) -> ChatsError:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return ChatsError("rate_limited", headers={"Retry-After": str(seconds)})


async def _read_candidate(login_id: str, ip: str, device: str | None, store_code: str | None,
                          session: AsyncSession) -> tuple[LoginKeys, Staff | None]:
    """Step 1, reads only: the staff member the attempt names and the counters it is judged
    by; a throttled attempt is refused here."""
    # Unknown IDs go on like known ones (same queries, a dummy hash): same answer, same time.
    candidate = await find_login(session, login_id.strip(), store_code)
    scope = f"store:{candidate.store_id}" if candidate else f"code:{store_code or ''}"
    keys = LoginKeys.of(login_id, ip, device, scope)
    wait = await login_throttle.wait_before(session, keys)
    if wait > timedelta(0):
        raise _refuse_for(wait)
    return keys, candidate


@asynccontextmanager
async def _one_check_at_a_time(logins: Logins, keys: LoginKeys) -> AsyncIterator[None]:
    """One password check per login ID at a time in this process, except from its devices.

    Without it a burst of parallel guesses would all be checked before the first failure
    is counted; the owner's trusted devices are never held up by someone else's burst.
    """
    in_flight = logins.checks_in_flight
    if keys.device is None and keys.account in in_flight:
        raise _refuse_for(timedelta(seconds=1))
    guarded = keys.device is None
    if guarded:
        in_flight.add(keys.account)
    try:
        yield
    finally:
        if guarded:
            in_flight.discard(keys.account)


async def _verify(logins: Logins, keys: LoginKeys, staff: Staff | None, password: str) -> bool:
    """Step 2, no transaction open: argon2 in the bounded hashing pool, off the event loop."""
    async with _one_check_at_a_time(logins, keys):
        ok = await verify_password_async(staff.password_hash if staff else None, password)
    return ok and staff is not None and staff.active


def _session_row(staff_id: str, *, ip: str, user_agent: str | None
                 ) -> tuple[str, dict[str, object]]:
    """A new session's token and the row that stores it (hashed)."""
    token, now = new_token(), utcnow()
    return token, {
        "id": token_hash(token), "staff_id": staff_id, "csrf_token": new_token(24),
        "created_at": now, "last_seen_at": now, "expires_at": now + SESSION_LIFETIME,
        "ip": ip[:64], "user_agent": (user_agent or "")[:300] or None,
    }


def _outcome_job(keys: LoginKeys, verified: Staff | None, session_row: dict[str, object] | None,
                 old_token: str | None, new_hash: str | None) -> Callable[[Connection], bool]:
    """Step 3, one short write job: count a failure, or clear the counters, store a
    rehashed password and open the session (none when a second factor is still due).
    True when the password held."""

    def job(conn: Connection) -> bool:
        if verified is None or not _still_valid(conn, verified):
            login_throttle.record_failure(conn, keys)
            return False
        login_throttle.clear_after_success(conn, keys)
        if new_hash is not None:
            conn.execute(update(Staff).where(Staff.id == verified.id)
                         .values(password_hash=new_hash))
        if session_row is not None:
            if old_token:
                conn.execute(delete(StaffSession)
                             .where(StaffSession.id == token_hash(old_token)))
            conn.execute(insert(StaffSession).values(**session_row))
        return True

    return job


def _still_valid(conn: Connection, checked: Staff) -> bool:
    """False if the staff member was disabled or their password changed since the check."""
    current = conn.execute(select(Staff.active, Staff.password_hash)
                           .where(Staff.id == checked.id)).first()
    return current is not None and bool(current.active) \
        and current.password_hash == checked.password_hash


async def login(
    logins: Logins,
    *,
    login_id: str,
    password: str,
    ip: str,
    user_agent: str | None,
    old_token: str | None,
    store_code: str | None = None,
    device_cookie: str | None = None,
) -> LoginResult | SecondFactorAsked:
    """Check credentials and open a new session, or ask for the second factor first.

    The order matters: throttling and the lookup read only; argon2 (the check, and a
    rehash with today's parameters) runs with no transaction open; then one short write
    records the outcome. A write transaction holds SQLite's only write lock, and every
    chat waits behind it.
    """
    async with logins.gate:
        return await _login(logins, login_id=login_id, password=password, ip=ip,
                            user_agent=user_agent, old_token=old_token, store_code=store_code,
                            device_cookie=device_cookie)


async def _login(logins: Logins, *, login_id: str, password: str, ip: str,
                 user_agent: str | None, old_token: str | None, store_code: str | None,
                 device_cookie: str | None) -> LoginResult | SecondFactorAsked:
    secret = logins.secret_key
    device = device_for(secret, device_cookie, login_id)
    async with logins.db.read() as session:
        keys, candidate = await _read_candidate(login_id, ip, device, store_code, session)
    verified = candidate if await _verify(logins, keys, candidate, password) else None
    store, second_factor, new_hash = None, None, None
    if verified is not None:
        new_hash = await passwords.upgraded_hash(verified.password_hash, password)
        async with logins.db.read() as session:
            store = await session.get(Store, verified.store_id)
        assert store is not None
        second_factor = two_factor.second_factor_needed(verified, store)
    token, row = _session_row(verified.id, ip=ip, user_agent=user_agent) \
        if verified is not None and second_factor is None else ("", None)
    # Through the hot path's writer: on SQLite it joins the chats' group commit instead
    # of taking the write lock from them between two of their batches.
    held = await logins.db.writer.run(_outcome_job(keys, verified, row, old_token, new_hash))
    if not held or verified is None or store is None:
        raise ChatsError("unauthorized", "error.login_failed")
    if second_factor is not None:
        async with logins.publisher.unit_of_work() as uow:
            challenge = await two_factor.open_challenge(uow.session, verified.id)
        return SecondFactorAsked(second_factor, challenge)
    assert row is not None
    return LoginResult(token=token, csrf_token=str(row["csrf_token"]), staff=verified,
                       store=store, device_cookie=remember(secret, device_cookie, login_id))


async def open_session(session: AsyncSession, staff: Staff, store: Store, *, ip: str,
                       user_agent: str | None, old_token: str | None) -> LoginResult:
    """A new session for a staff member who proved who they are (the old one is dropped)."""
    if old_token:
        await session.execute(delete(StaffSession).where(StaffSession.id == token_hash(old_token)))
    token, row = _session_row(staff.id, ip=ip, user_agent=user_agent)
    session.add(StaffSession(**row))
    return LoginResult(token=token, csrf_token=str(row["csrf_token"]), staff=staff, store=store)


async def find_login(session: AsyncSession, login_id: str,
                     store_code: str | None) -> Staff | None:
    """The one staff member with this login ID (in the store whose code is given), else None.

    Several stores may use the same ID: without a store code that is no login at all, and
    it fails like a wrong password, so nobody learns what other stores call their staff.
    """
    # A suspended store's staff are not found: it fails like a wrong password.
    query = (select(Staff).join(Store, Store.id == Staff.store_id)
             .where(Staff.login_id == login_id, Store.suspended_at.is_(None)).limit(2))
    if store_code:
        query = query.where(Store.widget_key == store_code)
    found = list(await session.scalars(query))
    return found[0] if len(found) == 1 else None


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
    if store is None or store.suspended_at is not None:
        return None
    return row, staff, store


def needs_touch(row: StaffSession) -> bool:
    """Sessions slide forward, but at most every few minutes (fewer writes)."""
    return utcnow() - row.last_seen_at > TOUCH_EVERY


async def touch_session(session: AsyncSession, session_id: str) -> None:
    """Slide a session forward: seen now, and a full lifetime from now."""
    row = await session.get(StaffSession, session_id)
    if row is not None:
        row.last_seen_at = utcnow()
        row.expires_at = row.last_seen_at + SESSION_LIFETIME


async def logout(session: AsyncSession, token: str) -> str | None:
    """End the session; returns the staff id it belonged to."""
    row = await session.get(StaffSession, token_hash(token))
    if row is None:
        return None
    staff_id = row.staff_id
    await session.delete(row)
    return staff_id
