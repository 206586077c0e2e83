"""The logged-in staff member's own account: password change (issue 13, S10)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field

from chats.api.deps import Ctx, CurrentStaff, Who
from chats.api.schemas import StrictBody
from chats.db.models import Staff
from chats.errors import ChatsError
from chats.realtime.staff_socket import staff_signed_out
from chats.security import verify_password_async
from chats.services import attempts, passwords
from chats.services import staff as staff_service

router = APIRouter(prefix="/api/auth", tags=["auth"])
# Wrong current passwords per staff member in 15 minutes before a pause (a stolen session
# must not become a password oracle).
MAX_WRONG_CURRENT = 5


class PasswordChangeIn(StrictBody):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


async def check_current_password(ctx: Ctx, staff: Staff, password: str) -> None:
    """Refuse (403 `error.current_password`) unless `password` is the caller's own."""
    key = staff_service.current_password_key(staff.id)
    async with ctx.db.read() as session:
        await attempts.refuse_if_locked(session, key)
    if await verify_password_async(staff.password_hash, password):
        return
    async with ctx.unit_of_work() as uow:
        await attempts.record_failure(uow.session, key, MAX_WRONG_CURRENT)
    raise ChatsError("forbidden", "error.current_password")


@router.post("/password", status_code=204)
async def change_password(body: PasswordChangeIn, auth: CurrentStaff, who: Who,
                          ctx: Ctx) -> Response:
    """Change one's own password; every other session of the caller ends at once."""
    await check_current_password(ctx, auth.staff, body.current_password)
    new_hash = await passwords.new_password_hash(
        body.new_password, user_inputs=(auth.staff.login_id, auth.staff.name))
    async with ctx.unit_of_work() as uow:
        await staff_service.change_own_password(uow.session, who, auth.staff.id, new_hash,
                                                keep_session=auth.session.id)
    await staff_signed_out(ctx.presence, ctx.publisher, ctx.notifier, auth.store.id,
                           auth.staff.id, keep_session=auth.session.id)
    return Response(status_code=204)
