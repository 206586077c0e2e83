"""Canned responses (S8): personal and store-wide sets, edited from the console."""

from __future__ import annotations

from fastapi import APIRouter, Response

from chats.api.console_schemas import CannedIn, CannedList, CannedOut, CannedPatch
from chats.api.deps import Ctx, CurrentStaff
from chats.db.models import CannedResponse, Staff
from chats.domain.staff import StaffRole
from chats.services import canned as canned_service

router = APIRouter(prefix="/api/canned-responses", tags=["canned responses"])


def canned_out(row: CannedResponse, staff: Staff) -> CannedOut:
    """The public view; `editable` says whether the caller may change it."""
    scope = canned_service.scope_of(row)
    editable = scope == canned_service.PERSONAL or staff.role == StaffRole.ADMIN
    return CannedOut.model_validate(
        {"id": row.id, "scope": scope, "shortcut": row.shortcut, "title": row.title,
         "text": row.text, "editable": editable}
    )


@router.get("", response_model=CannedList)
async def list_canned(auth: CurrentStaff, ctx: Ctx) -> CannedList:
    """The store-wide canned responses and the caller's own."""
    async with ctx.db.read() as session:
        rows = await canned_service.visible_to(session, auth.staff)
    return CannedList(canned_responses=[canned_out(r, auth.staff) for r in rows])


@router.post("", response_model=CannedOut, status_code=201)
async def create_canned(body: CannedIn, auth: CurrentStaff, ctx: Ctx) -> CannedOut:
    """Add a personal canned response (store-wide: admins only)."""
    async with ctx.unit_of_work() as uow:
        row = await canned_service.create(
            uow.session, auth.staff, scope=body.scope, shortcut=body.shortcut,
            title=body.title, text=body.text,
        )
    return canned_out(row, auth.staff)


@router.patch("/{canned_id}", response_model=CannedOut)
async def patch_canned(canned_id: str, body: CannedPatch, auth: CurrentStaff,
                       ctx: Ctx) -> CannedOut:
    """Edit one of the caller's canned responses (store-wide: admins only)."""
    async with ctx.unit_of_work() as uow:
        row = await canned_service.get_editable(uow.session, auth.staff, canned_id)
        await canned_service.apply_changes(uow.session, row, shortcut=body.shortcut,
                                           title=body.title, text=body.text)
    return canned_out(row, auth.staff)


@router.delete("/{canned_id}", status_code=204)
async def delete_canned(canned_id: str, auth: CurrentStaff, ctx: Ctx) -> Response:
    """Remove one of the caller's canned responses (store-wide: admins only)."""
    async with ctx.unit_of_work() as uow:
        await canned_service.delete(uow.session, auth.staff, canned_id)
    return Response(status_code=204)
