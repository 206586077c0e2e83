"""Canned responses (S8): personal ones belong to a staff member, store-wide ones to admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from chats.db.models import CannedResponse
from chats.domain.canned import VARIABLES, unknown_variables
from chats.domain.staff import StaffRole
from chats.errors import ChatsError
from chats.ids import utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.db.models import Staff

PERSONAL = "personal"
STORE = "store"


def scope_of(row: CannedResponse) -> str:
    """personal or store."""
    return STORE if row.staff_id is None else PERSONAL


def clean_shortcut(shortcut: str) -> str:
    """A shortcut as typed after `/`: no slash, no spaces, lower case."""
    return "".join(shortcut.strip().lstrip("/").split()).lower()


async def visible_to(session: AsyncSession, staff: Staff) -> list[CannedResponse]:
    """The store-wide set and the caller's personal set, in display order."""
    rows = await session.scalars(
        select(CannedResponse)
        .where(
            CannedResponse.store_id == staff.store_id,
            or_(CannedResponse.staff_id.is_(None), CannedResponse.staff_id == staff.id),
        )
        .order_by(CannedResponse.position, CannedResponse.shortcut, CannedResponse.created_at)
    )
    return list(rows)


def check_variables(text: str) -> str:
    """`text` if every `{variable}` in it is known, else a refusal naming the first other."""
    unknown = unknown_variables(text)
    if unknown:
        known = " ".join(f"{{{name}}}" for name in VARIABLES)
        raise ChatsError("bad_frame", "error.canned_variable", name=unknown[0][:30], known=known)
    return text


def _check_may_edit(staff: Staff, scope: str) -> None:
    if scope == STORE and staff.role != StaffRole.ADMIN:
        raise ChatsError("forbidden", "error.admin_only")


async def create(session: AsyncSession, staff: Staff, *, scope: str, shortcut: str, title: str,
                 text: str) -> CannedResponse:
    """Add a canned response; only admins add store-wide ones."""
    _check_may_edit(staff, scope)
    check_variables(text)
    owner = None if scope == STORE else staff.id
    cleaned = clean_shortcut(shortcut)
    await _check_shortcut_free(session, staff.store_id, owner, cleaned)
    now = utcnow()
    row = CannedResponse(
        store_id=staff.store_id,
        staff_id=owner,
        shortcut=cleaned,
        title=title.strip(),
        text=text,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def get_editable(session: AsyncSession, staff: Staff, canned_id: str) -> CannedResponse:
    """A canned response the caller may change: own personal ones; store ones for admins.

    Another store's or another staff member's personal response is not_found.
    """
    row = await session.get(CannedResponse, canned_id)
    if row is None or row.store_id != staff.store_id:
        raise ChatsError("not_found")
    if row.staff_id is not None and row.staff_id != staff.id:
        raise ChatsError("not_found")
    _check_may_edit(staff, scope_of(row))
    return row


async def delete(session: AsyncSession, staff: Staff, canned_id: str) -> None:
    """Remove a canned response the caller may change (`get_editable`)."""
    await session.delete(await get_editable(session, staff, canned_id))


async def _check_shortcut_free(session: AsyncSession, store_id: str, owner: str | None,
                               shortcut: str, *, ignore_id: str | None = None) -> None:
    """Refuse a `/shortcut` already used in the same scope (the store's set, or one person's).

    A personal shortcut may equal a store-wide one: the person's own response then comes
    first in their suggestions, and everyone else still gets the store-wide one.
    """
    if not shortcut:
        return  # no shortcut: reachable from the list only, any number of them
    owner_is = CannedResponse.staff_id.is_(None) if owner is None else (
        CannedResponse.staff_id == owner)
    query = select(CannedResponse.id).where(
        CannedResponse.store_id == store_id, owner_is, CannedResponse.shortcut == shortcut)
    if ignore_id is not None:
        query = query.where(CannedResponse.id != ignore_id)
    if await session.scalar(query.limit(1)) is not None:
        key = "error.canned_shortcut_store" if owner is None else "error.canned_shortcut_personal"
        raise ChatsError("conflict", key, shortcut=shortcut)


async def apply_changes(session: AsyncSession, row: CannedResponse, *, shortcut: str | None,
                        title: str | None, text: str | None) -> None:
    """Change the given fields and the update time (nothing when one is refused)."""
    if text is not None:
        check_variables(text)
    if shortcut is not None:
        cleaned = clean_shortcut(shortcut)
        if cleaned != row.shortcut:
            await _check_shortcut_free(session, row.store_id, row.staff_id, cleaned,
                                       ignore_id=row.id)
        row.shortcut = cleaned
    if title is not None:
        row.title = title.strip()
    if text is not None:
        row.text = text
    row.updated_at = utcnow()
