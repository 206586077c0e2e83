"""Staff management (A1; admin only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter

from chats.api.deps import Ctx, CurrentAdmin, CurrentStaff, Who
from chats.api.schemas import StaffCreateIn, StaffList, StaffOut, StaffPatchIn, staff_out
from chats.mail.addresses import validate_address
from chats.realtime.staff_socket import staff_signed_out
from chats.services import passwords, staff_admin
from chats.services import staff as staff_service

if TYPE_CHECKING:

    from chats.context import AppContext

router = APIRouter(prefix="/api/staff", tags=["staff"])


@router.get("", response_model=StaffList)
async def list_staff(auth: CurrentStaff, ctx: Ctx) -> StaffList:
    """Every staff member of the caller's store."""
    async with ctx.db.read() as session:
        rows = await staff_service.list_staff(session, auth.store.id)
        return StaffList(staff=[staff_out(s) for s in rows])


@router.post("", response_model=StaffOut, status_code=201)
async def create_staff(body: StaffCreateIn, auth: CurrentAdmin, who: Who, ctx: Ctx) -> StaffOut:
    """Add a staff member to the caller's store."""
    fields = body.model_dump()
    fields["email"] = _clean_email(fields.get("email"))
    fields["password"] = await staff_service.prepare_password(
        fields["password"], user_inputs=(fields["login_id"], fields.get("name") or ""))
    async with ctx.unit_of_work() as uow:
        staff = await staff_admin.add_staff(uow.session, who, store_id=auth.store.id,
                                            fields=fields)
    return staff_out(staff)


def _clean_email(value: object) -> str | None:
    """A valid address (its notifications go out by mail), or None when left empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    return validate_address(value)


@router.patch("/{staff_id}", response_model=StaffOut)
async def patch_staff(staff_id: str, body: StaffPatchIn, auth: CurrentAdmin, who: Who,
                      ctx: Ctx) -> StaffOut:
    """Edit, disable or reset the password of a staff member of the caller's store."""
    changes = body.model_dump(exclude_unset=True)
    if "email" in changes:
        changes["email"] = _clean_email(changes["email"])
    password = changes.pop("password", None)
    password_hash = await _new_hash(ctx, auth.store.id, staff_id, password) if password else None
    async with ctx.unit_of_work() as uow:
        staff = await staff_admin.change_staff(
            uow, who, store_id=auth.store.id, caller_id=auth.staff.id, staff_id=staff_id,
            changes=changes, password_hash=password_hash, locale=auth.store.locale)
    if changes.get("active") is False or password_hash:
        await staff_signed_out(ctx.presence, ctx.publisher, ctx.notifier, auth.store.id,
                               staff.id)
    else:
        ctx.notifier.notify(auth.store.id)
    return staff_out(staff)


async def _new_hash(ctx: AppContext, store_id: str, staff_id: str, password: str) -> str:
    # The policy knows the member's login ID and name; hashing happens before the write.
    async with ctx.db.read() as session:
        staff = await staff_service.access_staff(session, store_id, staff_id)
        inputs = (staff.login_id, staff.name)
    return await passwords.new_password_hash(password, user_inputs=inputs)
