"""Stamps the console's palette offers (S4.4): the built-in set and the store's own."""

from __future__ import annotations

from fastapi import APIRouter

from chats.api.console_schemas import PaletteStamp, StampPalette
from chats.api.deps import Ctx, CurrentStaff, Locale
from chats.services import stamps as stamp_service

router = APIRouter(prefix="/api/stamps", tags=["stamps"])


@router.get("", response_model=StampPalette)
async def list_stamps(auth: CurrentStaff, ctx: Ctx, locale: Locale) -> StampPalette:
    """Every stamp the caller can send; `code` is what a `send` frame's `stamp` carries."""
    async with ctx.db.read() as session:
        found = await stamp_service.list_stamps(session, auth.store.id, locale)
    return StampPalette(stamps=[
        PaletteStamp(code=s.code, label=s.label, url=s.url, builtin=s.builtin) for s in found
    ])
