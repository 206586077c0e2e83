"""The webhook deliverer: claims due outbox rows, signs and posts them, retries with back-off.

It claims rows the way `mail/sender.py` does: a short lease, renewed while the batch
is in hand, taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL and a guarded UPDATE on
both, so two processes never hold one attempt. A process killed mid-delivery frees
its rows when the lease lapses; they are delivered again (at least once, same
`webhook-id`, so receivers can drop the repeat).

Before each attempt the endpoint's host is resolved, every address is checked
(`domain.webhooks.is_public_address` unless CHATS_WEBHOOKS_ALLOW_PRIVATE), and the
request goes to the checked address itself (Host header and TLS server name kept):
a name that resolves differently a moment later cannot send us elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import delete, or_, select, update
from standardwebhooks import Webhook as Signer

from chats import __version__
from chats.db.models import Conversation, Message, Store, Webhook, WebhookDelivery
from chats.domain.webhooks import (
    LOG_KEEP,
    RETRY_FOR,
    DeliveryStatus,
    WebhookEvent,
    backoff_seconds,
    excerpt,
    is_public_address,
)
from chats.errors import ChatsError
from chats.ids import iso, utcnow
from chats.mail.outbox import queue_webhook_disabled_notifications
from chats.services.webhooks import envelope, message_data

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.elements import ColumnElement

    from chats.config import Settings
    from chats.db.engine import Database
    from chats.events.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
"""One attempt's limit (connect, send, answer): well inside a lease."""
READ_LIMIT = 4096
PURGE_EVERY = timedelta(hours=1)
PURGE_BATCH = 1000


class DelivererHost(Protocol):
    """What the deliverer uses of its process (the app's context has it all)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def process_id(self) -> str: ...
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


async def checked_addresses(url: str, *, allow_private: bool) -> list[str]:
    """The addresses a webhook URL's host resolves to, all allowed; else a clear refusal."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise ChatsError("bad_frame", "error.webhook_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise ChatsError("bad_frame", "error.webhook_resolve") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise ChatsError("bad_frame", "error.webhook_resolve")
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise ChatsError("bad_frame", "error.webhook_private")
    return addresses


async def check_url(url: str, *, allow_private: bool) -> str:
    """The URL as saved (trimmed), once its host resolves to allowed addresses only."""
    clean = url.strip()
    await checked_addresses(clean, allow_private=allow_private)
    return clean


def _pinned(url: str, address: str) -> tuple[str, str, str]:
    """The URL with its host replaced by `address`; the Host header; the TLS server name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip_host = f"[{address}]" if ":" in address else address
    netloc = ip_host if parts.port is None else f"{ip_host}:{parts.port}"
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, host


@dataclass
class Outcome:
    """What one attempt came to."""

    delivered: bool
    code: int | None = None
    body: str | None = None
    error: str | None = None


def _due(now: datetime) -> ColumnElement[bool]:
    return (
        (WebhookDelivery.status == DeliveryStatus.PENDING)
        & (WebhookDelivery.next_attempt_at <= now)
        & or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now)
    )


class WebhookDeliverer:
    """Delivers the webhook outbox of every store, at least once, one process per attempt."""

    def __init__(self, ctx: DelivererHost, *, clock: Callable[[], datetime] = utcnow,
                 poll_seconds: float = 1.0, batch_size: int = 32,
                 lease_seconds: float | None = None,
                 timeout_seconds: float = TIMEOUT_SECONDS) -> None:
        self._ctx = ctx
        self._clock = clock
        self._poll = poll_seconds
        self._batch = batch_size
        lease = lease_seconds or ctx.settings.webhooks_lease_seconds
        self._lease = timedelta(seconds=lease)
        self._renew_every = lease / 3
        self._timeout = timeout_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._in_hand: set[str] = set()
        self._stopping = False
        self._client: httpx.AsyncClient | None = None

    @property
    def owner(self) -> str:
        """The lease holder name written to `locked_by`."""
        return self._ctx.process_id

    def wake(self) -> None:
        """Look for due deliveries now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Run the polling loop (and the lease renewals) in the background."""
        if self._task is None:
            self._stopping = False
            self._client = httpx.AsyncClient(
                follow_redirects=False, trust_env=False, timeout=self._timeout,
                headers={"user-agent": f"CHATS-Webhooks/{__version__}"})
            self._task = asyncio.create_task(self._loop(), name="webhook-deliverer")
            self._renewer = asyncio.create_task(self._keep_leases(), name="webhook-lease")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the deliveries in hand (up to `grace` seconds), then end the loop."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._wake.set()
            await asyncio.gather(task, return_exceptions=True)
            if self._running:
                _, late = await asyncio.wait(set(self._running), timeout=grace)
                for pending in late:  # their leases lapse: another process sends them
                    pending.cancel()
                await asyncio.gather(*late, return_exceptions=True)
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _loop(self) -> None:
        purged_at: datetime | None = None
        while not self._stopping:
            try:
                await self.run_once()
                if purged_at is None or self._clock() - purged_at >= PURGE_EVERY:
                    purged_at = self._clock()
                    await self.purge()
            except Exception:
                log.exception("webhook delivery pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()

    async def run_once(self) -> int:
        """Claim what is due, up to the free slots, and start delivering it; returns how many.

        Each delivery runs on its own: a slow endpoint holds one slot, never the others.
        """
        free = self._batch - len(self._running)
        if free <= 0:
            return 0
        claimed = await self._claim(self._clock(), free)
        for delivery_id in claimed:
            self._in_hand.add(delivery_id)
            task = asyncio.create_task(self._handle(delivery_id), name="webhook-delivery")
            self._running.add(task)
            task.add_done_callback(functools.partial(self._finished, delivery_id))
        return len(claimed)

    async def purge(self) -> int:
        """Delete delivered and failed deliveries older than the log keeps, in short batches."""
        cutoff = self._clock() - LOG_KEEP
        removed = 0
        while not self._stopping:
            async with self._ctx.unit_of_work() as uow:
                batch = (select(WebhookDelivery.id)
                         .where(WebhookDelivery.status != DeliveryStatus.PENDING,
                                WebhookDelivery.created_at < cutoff)
                         .limit(PURGE_BATCH).scalar_subquery())
                result = await uow.session.execute(
                    delete(WebhookDelivery).where(WebhookDelivery.id.in_(batch))
                    .execution_options(synchronize_session=False))
            count = int(getattr(result, "rowcount", 0) or 0)
            removed += count
            if count < PURGE_BATCH:
                break
        return removed

    def _finished(self, delivery_id: str, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._in_hand.discard(delivery_id)
        self._wake.set()  # a slot is free: look for more

    async def drain(self) -> None:
        """Wait until the deliveries started so far have finished (tests, shutdown)."""
        while self._running:
            await asyncio.gather(*set(self._running), return_exceptions=True)

    async def _keep_leases(self) -> None:
        """Push the lease of the deliveries in hand forward, every third of a lease."""
        while True:
            await asyncio.sleep(self._renew_every)
            if not self._in_hand:
                continue
            try:
                async with self._ctx.unit_of_work() as uow:
                    await uow.session.execute(
                        update(WebhookDelivery)
                        .where(WebhookDelivery.id.in_(sorted(self._in_hand)),
                               WebhookDelivery.locked_by == self.owner)
                        .values(locked_until=self._clock() + self._lease)
                        .execution_options(synchronize_session=False))
            except Exception:
                log.exception("webhook lease renewal failed")

    async def _claim(self, now: datetime, limit: int) -> list[str]:
        """Lease up to `limit` due rows to this process, committed before any sending."""
        async with self._ctx.db.read() as session:
            if await session.scalar(select(WebhookDelivery.id).where(_due(now)).limit(1)) is None:
                return []
        async with self._ctx.unit_of_work() as uow:
            query = (select(WebhookDelivery.id).where(_due(now))
                     .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                     .limit(limit))
            if not self._ctx.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            candidates = list(await uow.session.scalars(query))
            if not candidates:
                return []
            claim = (update(WebhookDelivery)
                     .where(WebhookDelivery.id.in_(candidates), _due(now))
                     .values(locked_by=self.owner, locked_until=now + self._lease)
                     .returning(WebhookDelivery.id)
                     .execution_options(synchronize_session=False))
            return sorted(await uow.session.scalars(claim), key=candidates.index)

    async def _handle(self, delivery_id: str) -> None:
        try:
            async with self._ctx.db.read() as session:
                delivery = await session.get(WebhookDelivery, delivery_id)
                hook = await session.get(Webhook, delivery.webhook_id) if delivery else None
                body = await _body(session, delivery) if delivery is not None else None
            if delivery is None:
                return
            if hook is None or not hook.active or body is None:
                await self._settle(delivery, hook, body, Outcome(
                    False, error="endpoint switched off" if body else "event no longer held"),
                    final=True)
                return
            outcome = await self._attempt(hook, delivery, body)
            await self._settle(delivery, hook, body, outcome)
        except Exception:
            log.exception("webhook delivery failed unexpectedly", extra={"id": delivery_id})

    async def _attempt(self, hook: Webhook, delivery: WebhookDelivery, body: str) -> Outcome:
        """One signed POST to the checked address; never raises."""
        try:
            addresses = await checked_addresses(
                hook.url, allow_private=self._ctx.settings.webhooks_allow_private)
        except ChatsError as exc:
            return Outcome(False, error=exc.key)
        url, host, server_name = _pinned(hook.url, addresses[0])
        now = self._clock()
        headers = {
            "content-type": "application/json", "host": host,
            "webhook-id": delivery.id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Signer(hook.secret).sign(delivery.id, now, body),
        }
        assert self._client is not None
        try:
            # httpx's timeout bounds each read; this bounds the whole attempt (a receiver
            # that drips its answer byte by byte cannot hold a slot for longer).
            async with asyncio.timeout(self._timeout), self._client.stream(
                    "POST", url, content=body.encode(), headers=headers,
                    extensions={"sni_hostname": server_name}) as answer:
                chunk = b""
                async for part in answer.aiter_bytes():
                    chunk += part
                    if len(chunk) >= READ_LIMIT:
                        break
                text = excerpt(chunk.decode("utf-8", "replace"))
                return Outcome(200 <= answer.status_code < 300, answer.status_code, text)
        except TimeoutError:
            return Outcome(False, error=f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])

    async def _settle(self, delivery: WebhookDelivery, hook: Webhook | None, body: str | None,
                      outcome: Outcome, *, final: bool = False) -> None:
        """Write the attempt's outcome, and the endpoint's failure state, in one transaction."""
        now = self._clock()
        attempts = delivery.attempts + (0 if final else 1)
        values: dict[str, Any] = {
            "attempts": attempts, "last_attempt_at": now, "response_code": outcome.code,
            "response_excerpt": outcome.body, "last_error": outcome.error, "body": body,
            "locked_by": None, "locked_until": None,
        }
        if outcome.delivered:
            values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
        elif final or now >= delivery.retry_until:
            values["status"] = DeliveryStatus.FAILED
        else:
            delay = backoff_seconds(attempts, self._ctx.settings.webhooks_retry_seconds)
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        async with self._ctx.unit_of_work() as uow:
            done = await uow.session.scalar(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id,
                       WebhookDelivery.locked_by == self.owner)
                .values(**values).returning(WebhookDelivery.id)
                .execution_options(synchronize_session=False))
            if done is None:
                log.warning("webhook lease lost before the outcome was written",
                            extra={"id": delivery.id})
                return
            if hook is not None and not final:
                await self._endpoint_state(uow.session, hook.id, outcome.delivered, now)

    async def _endpoint_state(self, session: AsyncSession, hook_id: str, delivered: bool,
                              now: datetime) -> None:
        """Note when an endpoint began failing; after a day of it, switch it off and tell."""
        hook = await session.get(Webhook, hook_id)
        if hook is None or not hook.active:
            return
        if delivered:
            hook.failing_since = None
            return
        if hook.failing_since is None:
            hook.failing_since = now
            return
        if now - hook.failing_since < RETRY_FOR:
            return
        hook.active = False
        hook.disabled_at = now
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook.id,
                   WebhookDelivery.status == DeliveryStatus.PENDING,
                   or_(WebhookDelivery.locked_by.is_(None),
                       WebhookDelivery.locked_by == self.owner))
            .values(status=DeliveryStatus.FAILED, last_error="endpoint switched off")
            .execution_options(synchronize_session=False))
        store = await session.get(Store, hook.store_id)
        if store is not None:
            await queue_webhook_disabled_notifications(
                session, settings=self._ctx.settings, store=store, webhook_id=hook.id,
                url=hook.url, disabled_at=iso(now))
        log.warning("webhook endpoint switched off after a day of failures",
                    extra={"webhook_id": hook.id, "store_id": hook.store_id})


async def _body(session: AsyncSession, delivery: WebhookDelivery) -> str | None:
    """The body to send: stored, or (message.created, queued by the hot path) built now."""
    if delivery.body is not None:
        return delivery.body
    if delivery.event != WebhookEvent.MESSAGE_CREATED:
        return None
    message = await session.get(Message, delivery.subject_id)
    if message is None:
        return None
    guest_id = await session.scalar(select(Conversation.guest_id)
                                    .where(Conversation.id == message.conversation_id))
    return envelope(WebhookEvent.MESSAGE_CREATED, message_data(message, guest_id),
                    message.created_at)
