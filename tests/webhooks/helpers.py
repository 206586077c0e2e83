"""Set-ups of the webhook delivery tests."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from chats.db.engine import Database
from chats.db.models import WebhookDelivery
from tests.factories import create_guest

ALL_EVENTS = ["conversation.created", "conversation.claimed", "conversation.transferred",
              "conversation.ended", "message.created", "message.left_while_away",
              "guest.blacklisted"]


async def add_webhook(admin: httpx.AsyncClient, url: str,
                      events: list[str] | None = None) -> tuple[str, str]:
    """A new endpoint through the admin API: its id and signing secret."""
    r = await admin.post("/api/admin/webhooks", json={"url": url, "events": events or ALL_EVENTS})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["secret"]


async def blacklist_new_guest(db: Database, staff: httpx.AsyncClient, store_id: str) -> str:
    """A new guest of the store, blacklisted through the console API (a `guest.blacklisted`)."""
    guest_id = await create_guest(db, store_id=store_id, nickname="迷惑な客")
    r = await staff.patch(f"/api/guests/{guest_id}", json={"blacklisted": True})
    assert r.status_code == 200, r.text
    return guest_id


async def deliveries(db: Database) -> list[WebhookDelivery]:
    """Every outbox row, oldest first."""
    async with db.read() as session:
        rows = await session.scalars(select(WebhookDelivery)
                                     .order_by(WebhookDelivery.created_at, WebhookDelivery.id))
        return list(rows)
