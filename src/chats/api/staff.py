"""Staff management (A1; admin only)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from chats.api.deps import Ctx, CurrentAdmin, CurrentStaff
from chats.api.schemas import StaffCreateIn, StaffList, StaffOut, StaffPatchIn, staff_out
from chats.db.models import Staff
from chats.errors import ChatsError
from chats.mail.addresses import validate_address
from chats.realtime.staff_socket import staff_signed_out
from chats.services import staff as staff_service

router = APIRouter(prefix="/api/staff", tags=["staff"])


@router.get("", response_model=StaffList)
async def list_staff(auth: CurrentStaff, ctx: Ctx) -> StaffList:
    """Every staff member of the caller's store."""
    async with ctx.db.read() as session:
        rows = await session.scalars(
            select(Staff).where(Staff.store_id == auth.store.id).order_by(Staff.created_at)
        )
        return StaffList(staff=[staff_out(s) for s in rows])


@router.post("", response_model=StaffOut, status_code=201)
async def create_staff(body: StaffCreateIn, auth: CurrentAdmin, ctx: Ctx) -> StaffOut:
    """Add a staff member to the caller's store."""
    fields = body.model_dump()
    fields["email"] = _clean_email(fields.get("email"))
    async with ctx.unit_of_work() as uow:
        staff = await staff_service.create_staff(uow.session, store_id=auth.store.id, **fields)
    return staff_out(staff)


def _clean_email(value: object) -> str | None:
    """A valid address (its notifications go out by mail), or None when left empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    return validate_address(value)


def _refuse_self_lockout(caller_id: str, staff_id: str, changes: dict[str, object]) -> None:
    """An admin cannot disable themself or drop their own admin role (nobody could undo it)."""
    if caller_id == staff_id and (changes.get("active") is False
                                  or changes.get("role", "admin") != "admin"):
        raise ChatsError("conflict", "error.self_lockout")


@router.patch("/{staff_id}", response_model=StaffOut)
async def patch_staff(staff_id: str, body: StaffPatchIn, auth: CurrentAdmin, ctx: Ctx) -> StaffOut:
    """Edit, disable or reset the password of a staff member of the caller's store."""
    changes = body.model_dump(exclude_unset=True)
    if "email" in changes:
        changes["email"] = _clean_email(changes["email"])
    async with ctx.unit_of_work() as uow:
        staff = await uow.session.get(Staff, staff_id)
        if staff is None or staff.store_id != auth.store.id:
            raise ChatsError("not_found")
        _refuse_self_lockout(auth.staff.id, staff.id, changes)
        password = changes.pop("password", None)
        staff_service.apply_staff_changes(staff, changes)
        if password:
            await staff_service.set_password(uow.session, staff, password)
        if changes.get("active") is False:
            await staff_service.revoke_sessions(uow.session, staff.id)
    if changes.get("active") is False or password:
        await staff_signed_out(ctx, auth.store.id, staff.id)
    else:
        ctx.notifier.notify(auth.store.id)
    return staff_out(staff)
