"""The admin menu's webhooks: endpoints (the secret shown once), the delivery log, "send again".

Issue 17 item 3. The URL is resolved and checked before the write transaction
(no network call inside one), and again by the deliverer before every attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from chats.api.deps import Ctx, CurrentAdmin, Who
from chats.api.schemas import StrictBody
from chats.db.models import Webhook, WebhookDelivery
from chats.domain.webhooks import DeliveryStatus, WebhookEvent
from chats.services import webhooks as service
from chats.services.webhook_delivery import check_url

router = APIRouter(prefix="/api/admin/webhooks", tags=["webhooks"])

URL_FIELD = Field(min_length=1, max_length=2000)


class WebhookIn(StrictBody):
    url: str = URL_FIELD
    events: list[WebhookEvent] = Field(min_length=1)
    active: bool = True


class WebhookPatch(StrictBody):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    events: list[WebhookEvent] | None = Field(default=None, min_length=1)
    active: bool | None = None


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[WebhookEvent]
    active: bool
    created_at: datetime
    failing_since: datetime | None = Field(description="When deliveries began failing, if now.")
    disabled_at: datetime | None = Field(
        description="When CHATS switched the endpoint off after a day of failures.")


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret (Standard Webhooks): shown this once.")


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]
    events: list[WebhookEvent] = Field(description="Every event an endpoint may ask for.")


class DeliveryOut(BaseModel):
    id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    event: str
    status: DeliveryStatus
    created_at: datetime
    attempts: int
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    response_code: int | None
    response_excerpt: str | None
    error: str | None


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


def webhook_out(row: Webhook) -> WebhookOut:
    """An endpoint as the admin sees it (never the secret)."""
    return WebhookOut(id=row.id, url=row.url, events=[WebhookEvent(e) for e in row.events],
                      active=row.active, created_at=row.created_at,
                      failing_since=row.failing_since, disabled_at=row.disabled_at)


def delivery_out(row: WebhookDelivery) -> DeliveryOut:
    """One line of the delivery log."""
    pending = row.status == DeliveryStatus.PENDING
    return DeliveryOut(id=row.id, event=row.event, status=row.status, created_at=row.created_at,
                       attempts=row.attempts, last_attempt_at=row.last_attempt_at,
                       next_attempt_at=row.next_attempt_at if pending else None,
                       delivered_at=row.delivered_at, response_code=row.response_code,
                       response_excerpt=row.response_excerpt, error=row.last_error)


@router.get("", response_model=WebhookList)
async def list_webhooks(auth: CurrentAdmin, ctx: Ctx) -> WebhookList:
    """The store's endpoints."""
    async with ctx.db.read() as session:
        rows = await service.list_endpoints(session, auth.store.id)
    return WebhookList(webhooks=[webhook_out(r) for r in rows], events=list(WebhookEvent))


@router.post("", response_model=WebhookCreated, status_code=201)
async def create_webhook(body: WebhookIn, auth: CurrentAdmin, who: Who,
                         ctx: Ctx) -> WebhookCreated:
    """A new endpoint; the answer is the only time its signing secret is shown."""
    url = await check_url(body.url, allow_private=ctx.settings.webhooks_allow_private)
    async with ctx.unit_of_work() as uow:
        row = await service.create(uow.session, who, store_id=auth.store.id,
                                   staff_id=auth.staff.id, url=url, events=list(body.events),
                                   active=body.active)
        out = webhook_out(row)
        secret = row.secret
    if ctx.webhooks is not None:
        ctx.webhooks.endpoints_changed()
    return WebhookCreated(**out.model_dump(), secret=secret)


@router.patch("/{webhook_id}", response_model=WebhookOut)
async def update_webhook(webhook_id: str, body: WebhookPatch, auth: CurrentAdmin, who: Who,
                         ctx: Ctx) -> WebhookOut:
    """Change an endpoint's URL, events or on/off (on again clears its failure state)."""
    async with ctx.db.read() as session:
        await service.get_for_store(session, auth.store.id, webhook_id)
    url = None
    if body.url is not None:
        url = await check_url(body.url, allow_private=ctx.settings.webhooks_allow_private)
    async with ctx.unit_of_work() as uow:
        row = await service.update_endpoint(
            uow.session, who, auth.store.id, webhook_id, url=url,
            events=list(body.events) if body.events else None, active=body.active)
        out = webhook_out(row)
    if ctx.webhooks is not None:
        ctx.webhooks.endpoints_changed()
    return out


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: str, auth: CurrentAdmin, who: Who, ctx: Ctx) -> Response:
    """Remove an endpoint with its queue and log."""
    async with ctx.unit_of_work() as uow:
        await service.delete_endpoint(uow.session, who, auth.store.id, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryList)
async def list_deliveries(webhook_id: str, auth: CurrentAdmin, ctx: Ctx,
                          before: Annotated[datetime | None, Query()] = None) -> DeliveryList:
    """The endpoint's delivery log, newest first (50 a page; `before` pages back)."""
    async with ctx.db.read() as session:
        hook = await service.get_for_store(session, auth.store.id, webhook_id)
        rows = await service.deliveries(session, hook, before)
    return DeliveryList(deliveries=[delivery_out(r) for r in rows])


@router.post("/{webhook_id}/deliveries/{delivery_id}/resend", response_model=DeliveryOut)
async def resend_delivery(webhook_id: str, delivery_id: str, auth: CurrentAdmin, who: Who,
                          ctx: Ctx) -> DeliveryOut:
    """Send a delivered or failed delivery again (same id and body)."""
    async with ctx.unit_of_work() as uow:
        row = await service.resend(uow.session, who, auth.store.id, webhook_id, delivery_id)
        out = delivery_out(row)
    if ctx.webhooks is not None:
        ctx.webhooks.wake()
    return out
