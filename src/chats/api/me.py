"""The logged-in staff member's own console preferences (S1.4 sound on/off)."""

from __future__ import annotations

from fastapi import APIRouter

from chats.api.console_schemas import MePatch, Preferences
from chats.api.deps import Ctx, CurrentStaff
from chats.services.staff import set_preferences

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.patch("/me", response_model=Preferences)
async def patch_me(body: MePatch, auth: CurrentStaff, ctx: Ctx) -> Preferences:
    """Remember the caller's own preferences (any role may change its own)."""
    async with ctx.unit_of_work() as uow:
        staff = await set_preferences(uow, auth.staff.id, sound_enabled=body.sound_enabled)
        return Preferences(sound_enabled=staff.sound_enabled)
