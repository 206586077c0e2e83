"""/api/v1/guests: list and search, read, update fields and the blacklist."""

from __future__ import annotations

from fastapi import APIRouter, Query

from chats.api.bearer import ReadToken, TokenWho, WriteToken
from chats.api.deps import Ctx
from chats.api.v1.schemas import GuestPageV1, GuestUpdate, GuestV1, guest_v1
from chats.services import guest_directory as directory
from chats.services import rest_api

router = APIRouter(prefix="/guests", tags=["REST API: guests"])


@router.get("", response_model=GuestPageV1)
async def list_guests(
    auth: ReadToken, ctx: Ctx,
    q: str = Query(default="", max_length=200,
                   description="Search names, fields and notes (kana and widths folded)"),
    blacklisted: bool | None = None,
    cursor: str | None = Query(default=None, max_length=400),
    limit: int = Query(default=50, ge=1, le=rest_api.MAX_LIMIT),
) -> GuestPageV1:
    """Guests the store has talked to, first seen newest first; `next_cursor` pages on."""
    async with ctx.db.read() as session:
        rows, next_cursor = await rest_api.list_guests(
            session, auth.store.id, q=q, blacklisted=blacklisted, cursor=cursor, limit=limit)
        fields = await directory.all_fields(session, auth.store.id)
    return GuestPageV1(guests=[guest_v1(g, fields) for g in rows], next_cursor=next_cursor)


@router.get("/{guest_id}", response_model=GuestV1)
async def get_guest(guest_id: str, auth: ReadToken, ctx: Ctx) -> GuestV1:
    """One guest of the store."""
    async with ctx.db.read() as session:
        guest = await directory.get_guest(session, guest_id, auth.store.id)
        fields = await directory.all_fields(session, auth.store.id)
    return guest_v1(guest, fields)


@router.patch("/{guest_id}", response_model=GuestV1)
async def update_guest(guest_id: str, body: GuestUpdate, auth: WriteToken, who: TokenWho,
                       ctx: Ctx) -> GuestV1:
    """Change fields, notes, nickname or the blacklist switch (which cuts a chat off)."""
    changes = rest_api.GuestChanges(nickname=body.nickname, notes=body.notes,
                                    profile=body.profile, blacklisted=body.blacklisted)
    async with ctx.unit_of_work() as uow:
        await rest_api.update_guest(uow, store_id=auth.store.id, guest_id=guest_id,
                                    changes=changes, locale=auth.store.locale, actor=who)
    if body.blacklisted is not None:
        ctx.notifier.notify(auth.store.id)
    return await get_guest(guest_id, auth, ctx)
