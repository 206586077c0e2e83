"""The audit log in the admin menu (issue 17 item 5): a paged list and a CSV export; admins only.

Only the caller's store's entries are ever read; filters by action and by whole days
of the store's time zone.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from chats.api.deps import Ctx, CurrentAdmin
from chats.db.models import AuditEntry
from chats.domain.audit import ActorKind, AuditAction
from chats.ids import iso, utcnow
from chats.services import audit as audit_service

router = APIRouter(prefix="/api/admin", tags=["admin"])

From = Annotated[date | None, Query(alias="from", description="first day, YYYY-MM-DD "
                                    "(the store's time zone)")]
To = Annotated[date | None, Query(alias="to", description="last day, YYYY-MM-DD, inclusive")]
Action = Annotated[AuditAction | None, Query(description="one kind of action only")]


class AuditEntryOut(BaseModel):
    id: str
    at: str
    action: AuditAction
    actor_kind: ActorKind
    actor_id: str | None
    actor_name: str
    address: str
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    page: int
    has_more: bool


def entry_out(row: AuditEntry) -> AuditEntryOut:
    """One entry as the admin reads it."""
    return AuditEntryOut(
        id=row.id, at=iso(row.at), action=row.action, actor_kind=row.actor_kind,
        actor_id=row.actor_id, actor_name=row.actor_name, address=row.address,
        target_type=row.target_type, target_id=row.target_id, details=row.details or {},
    )


@router.get("/audit", response_model=AuditPage)
async def list_audit(auth: CurrentAdmin, ctx: Ctx, action: Action = None,
                     start: From = None, end: To = None,
                     page: int = Query(default=1, ge=1, le=10_000)) -> AuditPage:
    """The store's audit log, newest first, 50 a page."""
    flt = audit_service.period_filter(action, start, end, auth.store.time_zone)
    async with ctx.db.read() as session:
        rows, has_more = await audit_service.list_entries(session, auth.store.id, flt,
                                                          page=page)
    return AuditPage(entries=[entry_out(r) for r in rows], page=page, has_more=has_more)


@router.get("/audit.csv", response_class=Response)
async def export_audit(auth: CurrentAdmin, ctx: Ctx, action: Action = None,
                       start: From = None, end: To = None) -> Response:
    """The same entries as CSV for Excel (UTF-8 with BOM, CRLF), newest first."""
    flt = audit_service.period_filter(action, start, end, auth.store.time_zone)
    async with ctx.db.read() as session:
        body = await audit_service.export_csv(session, auth.store.id, flt)
    name = f"chats-audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
