"""The logged-in staff member's own console preferences (S1.4 sound on/off)."""

from __future__ import annotations

from fastapi import APIRouter

from chats.api.console_schemas import MePatch, Preferences
from chats.api.deps import Ctx, CurrentStaff
from chats.db.models import Staff
from chats.errors import ChatsError
from chats.events.audience import staff_channel
from chats.services.staff import own_view

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.patch("/me", response_model=Preferences)
async def patch_me(body: MePatch, auth: CurrentStaff, ctx: Ctx) -> Preferences:
    """Remember the caller's own preferences (any role may change its own)."""
    async with ctx.unit_of_work() as uow:
        staff = await uow.session.get(Staff, auth.staff.id)
        if staff is None:
            raise ChatsError("not_found")
        if body.sound_enabled is not None:
            staff.sound_enabled = body.sound_enabled
        # The member's other consoles (tabs, devices) follow at once.
        uow.publish(staff_channel(staff.id), {"type": "me", "staff": own_view(staff)})
        return Preferences(sound_enabled=staff.sound_enabled)
