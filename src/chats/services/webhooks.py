"""Outgoing webhooks (issue 17 item 3): endpoints, and the outbox rows events queue.

An endpoint's deliveries are queued by `queue` in the transaction of the event (one
INSERT … SELECT over the store's live endpoints that want it), so an event that is
rolled back sends nothing and a committed one is delivered by
`services/webhook_delivery.py` however the process ends. Messages are queued by
the hot path's own statements (`message_hooks_sqlite`, `message_hooks_cte`).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import String, Text, bindparam, func, literal, select, true
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from chats.db.hot import HotStatement
from chats.db.models import Webhook, WebhookDelivery
from chats.domain.audit import AuditAction
from chats.domain.webhooks import RETRY_FOR, DeliveryStatus, WebhookEvent, events_pattern
from chats.errors import ChatsError
from chats.ids import iso, new_id, utcnow
from chats.services import audit

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql import Executable
    from sqlalchemy.sql.elements import ColumnElement
    from sqlalchemy.sql.selectable import CTE

    from chats.db.models import Conversation, Guest, Message

MAX_ENDPOINTS: Final = 100
"""Endpoints one store may have."""
LOG_PAGE: Final = 50

_W = cast("Table", Webhook.__table__)
_D = cast("Table", WebhookDelivery.__table__)
_COLUMNS = ("id", "store_id", "webhook_id", "event", "subject_id", "body", "status", "attempts",
            "next_attempt_at", "retry_until", "created_at")


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: "whsec_" + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def clean_events(events: list[str]) -> list[str]:
    """The events in their canonical order, or bad_frame for none or an unknown one."""
    known = [e.value for e in WebhookEvent]
    if not events or any(e not in known for e in events):
        raise ChatsError("bad_frame", "error.webhook_events")
    return [e for e in known if e in events]


def _rows(store_expr: ColumnElement[Any]) -> Any:
    """SELECT one outbox row per live endpoint of the store that wants the event."""
    key = bindparam("w_key", type_=_D.c.id.type)
    return (
        select(func.substr(key, 1, 16, type_=String()).concat(
                   func.substr(_W.c.id, 1, 16, type_=String())), _W.c.store_id, _W.c.id,
               bindparam("w_event", type_=_D.c.event.type),
               bindparam("w_subject", type_=_D.c.subject_id.type),
               bindparam("w_body", type_=_D.c.body.type),
               literal(DeliveryStatus.PENDING.value), literal(0),
               bindparam("w_now", type_=_D.c.created_at.type),
               bindparam("w_until", type_=_D.c.retry_until.type),
               bindparam("w_now2", type_=_D.c.created_at.type))
        .where(_W.c.store_id == store_expr, _W.c.active == true(),
               sql_cast(_W.c.events, Text).like(bindparam("w_pattern", type_=Text())))
    )


def _queue_statement(dialect: str) -> Executable:
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    return make(_D).from_select(list(_COLUMNS),
                                _rows(bindparam("w_store", type_=_W.c.store_id.type)))


_QUEUE = HotStatement(_queue_statement)


def queue_params(event: WebhookEvent, subject_id: str, body: str | None,
                 now: datetime | None = None) -> dict[str, Any]:
    """The parameters of one event's outbox INSERT (the store is given separately)."""
    now = now or utcnow()
    return {"w_key": new_id(), "w_event": event.value, "w_subject": subject_id, "w_body": body,
            "w_now": now, "w_now2": now, "w_until": now + RETRY_FOR,
            "w_pattern": events_pattern(event)}


def envelope(event: WebhookEvent, data: dict[str, Any], at: datetime | None = None) -> str:
    """The body sent: `{"type", "timestamp", "data"}` as JSON (Standard Webhooks' shape)."""
    return json.dumps({"type": event.value, "timestamp": iso(at or utcnow()), "data": data},
                      ensure_ascii=False, separators=(",", ":"))


async def queue(session: AsyncSession, *, store_id: str, event: WebhookEvent, subject_id: str,
                data: dict[str, Any]) -> None:
    """Queue `event` for every live endpoint of the store that wants it, in this transaction."""
    dialect = session.get_bind().dialect.name
    params = {**queue_params(event, subject_id, envelope(event, data)), "w_store": store_id}
    await session.execute(_QUEUE.statement(dialect), params)
    queued(store_id, event)


Listener = Callable[[str, WebhookEvent], None]
_listeners: list[Listener] = []


def add_queue_listener(listener: Listener) -> None:
    """Call `listener(store_id, event)` when this process queues an event (a message: once
    stored). The deliverer listens, to claim at once instead of at its next poll; a
    listener runs on the caller's event loop and must only take note (set an Event)."""
    _listeners.append(listener)


def remove_queue_listener(listener: Listener) -> None:
    """Stop calling `listener`."""
    if listener in _listeners:
        _listeners.remove(listener)


def queued(store_id: str, event: WebhookEvent = WebhookEvent.MESSAGE_CREATED) -> None:
    """Tell the listeners that `store_id` may have deliveries of `event` due (no statement)."""
    for listener in _listeners:
        listener(store_id, event)


def message_hooks_sqlite(conn: Connection, store_id: str, message_id: str,
                         now: datetime) -> None:
    """The hot path (SQLite): queue `message.created` beside the message, in its savepoint."""
    _QUEUE.rows(conn, {**queue_params(WebhookEvent.MESSAGE_CREATED, message_id, None, now),
                       "w_store": store_id})


def message_hooks_cte(bump: CTE, ins: CTE) -> CTE:
    """The hot path (PostgreSQL): the same INSERT as a CTE of the one-statement send."""
    rows = _rows(bump.c.store_id).select_from(
        bump.join(ins, true()).join(_W, _W.c.store_id == bump.c.store_id))
    return pg_insert(_D).from_select(list(_COLUMNS), rows).cte("hooks")


def message_hook_params(message_id: str, now: datetime) -> dict[str, Any]:
    """The hot path's parameters for `message_hooks_cte`."""
    return queue_params(WebhookEvent.MESSAGE_CREATED, message_id, None, now)


# What the events carry.

def conversation_data(conversation: Conversation) -> dict[str, Any]:
    """A conversation as a webhook describes it."""
    return {"conversation": {
        "id": conversation.id, "status": str(conversation.status), "kind": str(conversation.kind),
        "guest_id": conversation.guest_id, "staff_id": conversation.staff_id,
        "nickname": conversation.nickname,
        "created_at": iso(conversation.created_at) if conversation.created_at else None,
        "ended_at": iso(conversation.ended_at) if conversation.ended_at else None,
        "end_reason": str(conversation.end_reason) if conversation.end_reason else None,
    }}


def message_data(message: Message, guest_id: str | None = None) -> dict[str, Any]:
    """A message as a webhook describes it."""
    return message_data_from({
        "id": message.id, "conversation_id": message.conversation_id, "seq": message.seq,
        "author": message.author, "kind": message.kind, "text": message.text,
        "stamp": message.stamp, "staff_id": message.staff_id, "guest_id": guest_id,
        "created_at": message.created_at})


def message_data_from(values: Mapping[str, Any]) -> dict[str, Any]:
    """`message_data` of a message read as columns (the deliverer's joined read)."""
    return {"message": {
        "id": values["id"], "conversation_id": values["conversation_id"], "seq": values["seq"],
        "author": values["author"], "kind": values["kind"], "text": values["text"],
        "stamp": values["stamp"], "staff_id": values["staff_id"],
        "guest_id": values["guest_id"], "created_at": iso(values["created_at"]),
    }}


def guest_data(guest: Guest) -> dict[str, Any]:
    """A guest as a webhook describes it."""
    return {"guest": {"id": guest.id, "nickname": guest.nickname,
                      "blacklisted": guest.blacklisted}}


# The endpoints (admin menu).

async def get_for_store(session: AsyncSession, store_id: str, webhook_id: str) -> Webhook:
    """An endpoint of this store, or not_found (never another store's)."""
    row = await session.get(Webhook, webhook_id)
    if row is None or row.store_id != store_id:
        raise ChatsError("not_found")
    return row


async def list_endpoints(session: AsyncSession, store_id: str) -> list[Webhook]:
    """The store's endpoints, oldest first."""
    rows = await session.scalars(select(Webhook).where(Webhook.store_id == store_id)
                                 .order_by(Webhook.created_at, Webhook.id))
    return list(rows)


async def create(session: AsyncSession, actor: audit.Actor, *, store_id: str, staff_id: str,
                 url: str, events: list[str], active: bool = True) -> Webhook:
    """A new endpoint, audited (the URL checked by the caller before the transaction)."""
    count = await session.scalar(select(func.count()).select_from(Webhook)
                                 .where(Webhook.store_id == store_id))
    if int(count or 0) >= MAX_ENDPOINTS:
        raise ChatsError("conflict", "error.webhook_limit", limit=str(MAX_ENDPOINTS))
    row = Webhook(id=new_id(), store_id=store_id, url=url, secret=new_secret(),
                  events=clean_events(events), active=active, created_by=staff_id,
                  created_at=utcnow())
    session.add(row)
    await session.flush()
    audit.record(session, actor, AuditAction.WEBHOOK_CREATED, target_type="webhook",
                 target_id=row.id, details={"url": row.url, "events": row.events})
    return row


async def update_endpoint(session: AsyncSession, actor: audit.Actor, store_id: str,
                          webhook_id: str, *, url: str | None, events: list[str] | None,
                          active: bool | None) -> Webhook:
    """Change an endpoint of the store (the URL checked by the caller before the transaction).

    Switching it on again clears its failure state; a real change is audited.
    """
    row = await get_for_store(session, store_id, webhook_id)
    changes = _apply_changes(row, url=url, events=events, active=active)
    if changes:
        audit.record(session, actor, AuditAction.WEBHOOK_CHANGED, target_type="webhook",
                     target_id=row.id, details=changes)
    return row


def _apply_changes(row: Webhook, *, url: str | None, events: list[str] | None,
                   active: bool | None) -> dict[str, Any]:
    """Change the endpoint's fields; returns the ones that changed, with their new values."""
    changes: dict[str, Any] = {}
    if url is not None and url != row.url:
        row.url = changes["url"] = url
    if events is not None:
        cleaned = clean_events(events)
        if cleaned != row.events:
            row.events = changes["events"] = cleaned
    if active is not None and active != row.active:
        row.active = changes["active"] = active
        if active:
            row.failing_since = row.disabled_at = None
    return changes


async def delete_endpoint(session: AsyncSession, actor: audit.Actor, store_id: str,
                          webhook_id: str) -> None:
    """Remove an endpoint of the store and its delivery log; audited."""
    row = await get_for_store(session, store_id, webhook_id)
    audit.record(session, actor, AuditAction.WEBHOOK_DELETED, target_type="webhook",
                 target_id=row.id, details={"url": row.url})
    await session.delete(row)


# The delivery log.

async def deliveries(session: AsyncSession, webhook: Webhook,
                     before: datetime | None = None) -> list[WebhookDelivery]:
    """An endpoint's deliveries, newest first, a page at a time."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if before is not None:
        query = query.where(WebhookDelivery.created_at < before)
    rows = await session.scalars(query.order_by(WebhookDelivery.created_at.desc(),
                                                WebhookDelivery.id.desc()).limit(LOG_PAGE))
    return list(rows)


async def resend(session: AsyncSession, actor: audit.Actor, store_id: str, webhook_id: str,
                 delivery_id: str) -> WebhookDelivery:
    """Send a delivery again (same id and body) from now, for another day of retries; audited."""
    webhook = await get_for_store(session, store_id, webhook_id)
    row = await session.get(WebhookDelivery, delivery_id)
    if row is None or row.webhook_id != webhook.id:
        raise ChatsError("not_found")
    if row.status == DeliveryStatus.PENDING:
        raise ChatsError("conflict", "error.webhook_pending")
    now = utcnow()
    row.status = DeliveryStatus.PENDING
    row.next_attempt_at = now
    row.retry_until = now + RETRY_FOR
    row.attempts = 0
    audit.record(session, actor, AuditAction.WEBHOOK_RESENT, target_type="webhook",
                 target_id=webhook.id, details={"delivery_id": row.id, "event": row.event})
    return row

