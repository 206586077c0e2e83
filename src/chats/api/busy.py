"""The admin menu's switch for guests joining the queue while everyone is busy (issue 14)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from chats.api.deps import Ctx, CurrentAdmin
from chats.api.schemas import StrictBody
from chats.services import waits as wait_service

router = APIRouter(prefix="/api/admin", tags=["admin"])


class QueueSettings(BaseModel):
    """Whether a guest may join the waiting queue while every staff member is busy."""

    queue_when_busy: bool


class QueueIn(StrictBody):
    queue_when_busy: bool


@router.get("/queue", response_model=QueueSettings)
async def get_queue(auth: CurrentAdmin, ctx: Ctx) -> QueueSettings:
    """The store's busy-queue setting."""
    async with ctx.db.read() as session:
        return QueueSettings(
            queue_when_busy=await wait_service.queue_when_busy(session, auth.store.id))


@router.put("/queue", response_model=QueueSettings)
async def put_queue(body: QueueIn, auth: CurrentAdmin, ctx: Ctx) -> QueueSettings:
    """Turn joining the queue while busy on or off; the store's guests are told at once."""
    async with ctx.unit_of_work() as uow:
        await wait_service.set_queue_when_busy(uow.session, store_id=auth.store.id,
                                               value=body.queue_when_busy)
    ctx.notifier.notify(auth.store.id)
    return QueueSettings(queue_when_busy=body.queue_when_busy)
