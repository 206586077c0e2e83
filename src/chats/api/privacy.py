"""Privacy requests and retention in the admin menu (issue 17 item 4); admins only.

- `POST /api/admin/guests/{guest_id}/export`: everything held about the guest, one ZIP.
- `POST /api/admin/guests/{guest_id}/erase`: erase the guest (idempotent).
- `GET|PUT /api/admin/retention`: the store's retention period in days (null: keep).

Both guest routes are POSTs, so they need the CSRF header like every admin write, and
both leave an entry in the audit log. Another store's guest id answers 404.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from chats.api.deps import Ctx, CurrentAdmin, Locale, Who
from chats.ids import utcnow
from chats.services import privacy
from chats.services.retention import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    retention_days,
    set_retention,
)

router = APIRouter(prefix="/api/admin", tags=["admin"])


class ErasureOut(BaseModel):
    guest_id: str
    erased: bool = Field(description="always true: the guest is erased (now or before)")
    files_deleted: int = Field(description="files removed from disk by this call")


RetentionDays = Annotated[int | None, Field(ge=MIN_RETENTION_DAYS, le=MAX_RETENTION_DAYS)]


class RetentionIn(BaseModel):
    retention_days: RetentionDays = Field(
        description="messages, page views and files older than this many days are "
                    "deleted; null keeps them")


class RetentionOut(BaseModel):
    retention_days: int | None


@router.post("/guests/{guest_id}/export", response_class=FileResponse,
             responses={200: {"content": {"application/zip": {}}}})
async def export_guest(guest_id: str, auth: CurrentAdmin, who: Who, ctx: Ctx) -> FileResponse:
    """Everything held about one guest as a ZIP: guest.json, transcript.txt, files/."""
    async with ctx.db.read() as session:
        record = await privacy.collect(session, auth.store.id, guest_id)
    path = await asyncio.to_thread(privacy.write_archive, record, ctx.settings)
    try:
        await privacy.record_export(ctx.db, who, record)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    name = f"chats-guest-{guest_id}-{utcnow():%Y%m%d-%H%M%S}.zip"
    return FileResponse(path, media_type="application/zip", filename=name,
                        headers={"Cache-Control": "no-store"},
                        background=BackgroundTask(path.unlink, missing_ok=True))


@router.post("/guests/{guest_id}/erase", response_model=ErasureOut)
async def erase_guest(guest_id: str, auth: CurrentAdmin, who: Who, ctx: Ctx,
                      locale: Locale) -> ErasureOut:
    """Erase a guest: messages, fields, notes, page views and files; its chat is ended."""
    async with ctx.unit_of_work() as uow:
        paths = await privacy.erase(uow, ctx.settings, store_id=auth.store.id,
                                    guest_id=guest_id, actor=who, locale=locale)
    await asyncio.to_thread(privacy.delete_files, paths)
    ctx.notifier.notify(auth.store.id)  # an ended waiting chat changes the queue
    return ErasureOut(guest_id=guest_id, erased=True, files_deleted=len(paths))


@router.get("/retention", response_model=RetentionOut)
async def get_retention(auth: CurrentAdmin, ctx: Ctx) -> RetentionOut:
    """The store's retention period (null: messages are kept until erased)."""
    async with ctx.db.read() as session:
        days = await retention_days(session, auth.store.id)
    return RetentionOut(retention_days=days)


@router.put("/retention", response_model=RetentionOut)
async def put_retention(body: RetentionIn, auth: CurrentAdmin, who: Who,
                        ctx: Ctx) -> RetentionOut:
    """Set or clear the retention period (recorded in the audit log)."""
    async with ctx.unit_of_work() as uow:
        days = await set_retention(uow.session, who, auth.store.id, body.retention_days)
    return RetentionOut(retention_days=days)
