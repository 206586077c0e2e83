"""API tokens (issue 17 item 1): an admin gives an integrator a bearer token for the store's
REST API. The token is shown once; the table keeps its sha256 (docs/decisions/0010)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from chats.db.models import ApiToken, Store
from chats.domain.audit import AuditAction
from chats.errors import ChatsError
from chats.ids import new_token, token_hash, utcnow
from chats.services import audit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

PREFIX: Final = "chats_"  # lets secret scanners and people recognise a CHATS token
HINT_LENGTH: Final = len(PREFIX) + 6
SCOPES: Final = {"read": ("read",), "write": ("read", "write")}
# The last-used time is written at most this often per token: one write a minute, not one
# per call, on the single SQLite writer.
TOUCH_EVERY: Final = timedelta(seconds=60)


def scopes_of(token: ApiToken) -> list[str]:
    """What the token may do: ["read"] or ["read", "write"]."""
    return list(SCOPES.get(token.scope, ()))


def can_write(token: ApiToken) -> bool:
    """True for a read + write token."""
    return "write" in SCOPES.get(token.scope, ())


async def create(session: AsyncSession, actor: audit.Actor, *, store_id: str, staff_id: str,
                 name: str, write: bool) -> tuple[ApiToken, str]:
    """A new token of the store, audited; returns the row and the token itself (never stored)."""
    clean = name.strip()
    if not clean:
        raise ChatsError("bad_frame", "error.token_name")
    secret = PREFIX + new_token(32)
    row = ApiToken(store_id=store_id, name=clean, scope="write" if write else "read",
                   token_hash=token_hash(secret), hint=secret[:HINT_LENGTH],
                   created_by=staff_id)
    session.add(row)
    await session.flush()
    audit.record(session, actor, AuditAction.TOKEN_CREATED, target_type="token",
                 target_id=row.id, details={"name": row.name, "scope": row.scope})
    return row, secret


async def list_tokens(session: AsyncSession, store_id: str) -> list[ApiToken]:
    """The store's tokens, live ones first, newest first."""
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.store_id == store_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id))
    return list(rows)


async def revoke(session: AsyncSession, actor: audit.Actor, *, store_id: str,
                 token_id: str) -> ApiToken:
    """Revoke a token of the store: refused from the next call on; audited.

    Revoking twice is a no-op and leaves no second entry in the audit log.
    """
    row = await session.get(ApiToken, token_id)
    if row is None or row.store_id != store_id:
        raise ChatsError("not_found")
    if row.revoked_at is not None:
        return row
    row.revoked_at = utcnow()
    audit.record(session, actor, AuditAction.TOKEN_REVOKED, target_type="token",
                 target_id=row.id, details={"name": row.name})
    return row


async def resolve(session: AsyncSession, secret: str) -> tuple[ApiToken, Store] | None:
    """The live token and its store for a presented bearer token, or None."""
    if not secret.startswith(PREFIX):
        return None
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if row is None or row.revoked_at is not None:
        return None
    store = await session.get(Store, row.store_id)
    if store is None or store.suspended_at is not None:  # a suspended store: no way in
        return None
    return row, store


def needs_touch(row: ApiToken) -> bool:
    """Whether this call should record the last-used time."""
    return row.last_used_at is None or utcnow() - row.last_used_at >= TOUCH_EVERY


async def touch(session: AsyncSession, token_id: str) -> None:
    """Record that the token was used now."""
    row = await session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = utcnow()
