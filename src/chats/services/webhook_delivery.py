"""The webhook deliverer: claims due outbox rows in batches, signs and posts them, retries.

Like `mail/sender.py` it leases rows (renewed while in hand; `FOR UPDATE SKIP LOCKED`
on PostgreSQL and a guarded UPDATE on both), so two processes never hold one
attempt, and a process killed mid-delivery frees its rows when the lease lapses:
they are delivered again (at least once, same `webhook-id`, so receivers can drop
the repeat). Its statements are `services/webhook_claims.py`: a batch is claimed,
with its endpoints and message bodies, in one job, and outcomes that finish
together are written in one job, through the database's writer (on SQLite the
group-commit thread the messages use), so delivery costs chats little.

It sleeps until this process queues an event for a store with a live endpoint
(`services.webhooks.queued`), or until its poll, and then waits a moment more so
that one claim takes what a burst queued.

Before each batch's attempts every endpoint's host is resolved once, every address
checked (`domain.webhooks.is_public_address` unless CHATS_WEBHOOKS_ALLOW_PRIVATE),
and each request goes to a checked address itself (Host header and TLS server name
kept): a name that resolves differently a moment later cannot send us elsewhere.
The requests go through `services/webhook_http.py` (h11; decision 0014).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, or_, select, update
from standardwebhooks import Webhook as Signer

from chats import __version__
from chats.db.models import Store, Webhook, WebhookDelivery
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
from chats.services import webhooks
from chats.services.webhook_claims import Claimed, Settled, claim_job, renew_job, settle_job
from chats.services.webhook_http import PostError, Target, WebhookHttp

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from contextlib import AbstractAsyncContextManager

    from chats.config import Settings
    from chats.db.engine import Database
    from chats.events.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
"""One attempt's limit (connect, send, answer): well inside a lease."""
READ_LIMIT = 4096
PURGE_EVERY = timedelta(hours=1)
PURGE_BATCH = 1000
GATHER_SECONDS = 0.025
"""After a nudge, how long the deliverer waits for more events before it claims."""
LOOK_AGAIN = (0.025, 0.1, 0.4)
"""Seconds before each further claim when a nudge's claim found nothing (an uncommitted event)."""
PER_ENDPOINT = 4
"""Requests one endpoint has in flight at most (the HTTP pool keeps as many connections)."""


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
        addresses = [str(ipaddress.ip_address(parts.hostname))]  # a literal: nothing to look up
    except ValueError:
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


def _pinned(url: str, address: str) -> Target:
    """Where a POST to `url` goes: the checked `address`, the URL's host for Host and TLS."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host:  # an IPv6 literal keeps its brackets in the Host header
        host_header = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return Target(parts.scheme, address, port, host_header, host, path)


@dataclass
class Outcome:
    """What one attempt came to."""

    delivered: bool
    code: int | None = None
    body: str | None = None
    error: str | None = None


@dataclass
class _Batch:
    """What the attempts of one claimed batch share: each endpoint's checked target, signer."""

    allow_private: bool
    targets: dict[str, asyncio.Task[Target]] = field(default_factory=dict)
    signers: dict[str, Signer] = field(default_factory=dict)

    def target(self, url: str) -> asyncio.Task[Target]:
        """Where POSTs to `url` go, resolved and checked once."""
        task = self.targets.get(url)
        if task is None:
            task = self.targets[url] = asyncio.create_task(self._resolve(url))
        return task

    async def _resolve(self, url: str) -> Target:
        addresses = await checked_addresses(url, allow_private=self.allow_private)
        return _pinned(url, addresses[0])

    def signer(self, hook_id: str, secret: str) -> Signer:
        found = self.signers.get(hook_id)
        if found is None:
            found = self.signers[hook_id] = Signer(secret)
        return found


class _Settler:
    """Writes outcomes that finish together in one job; `add` returns once it is written."""

    def __init__(self, write: Callable[[list[Settled]], Awaitable[None]]) -> None:
        self._write = write
        self._pending: list[tuple[Settled, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def add(self, outcome: Settled) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((outcome, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush(), name="webhook-settle")
        await done

    async def idle(self) -> None:
        """Wait for the writes under way (shutdown)."""
        while self._flushing is not None:
            await asyncio.gather(self._flushing, return_exceptions=True)

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._write([outcome for outcome, _ in batch])
                except Exception as exc:  # the leases lapse: the rows are attempted again
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._flushing = None


class WebhookDeliverer:
    """Delivers the webhook outbox of every store, at least once, one process per attempt."""

    def __init__(self, ctx: DelivererHost, *, clock: Callable[[], datetime] = utcnow,
                 poll_seconds: float = 1.0, batch_size: int = 32,
                 lease_seconds: float | None = None,
                 timeout_seconds: float = TIMEOUT_SECONDS,
                 gather_seconds: float = GATHER_SECONDS) -> None:
        self._ctx = ctx
        self._clock = clock
        self._poll = poll_seconds
        self._gather = gather_seconds
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
        self._starved = False  # the last claim filled every free slot: more may be due
        self._http: WebhookHttp | None = None
        self._settler = _Settler(self._write_outcomes)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._live: dict[str, set[str]] | None = None  # store → events wanted; None: unknown
        self._live_at = 0.0
        self._per_endpoint: dict[str, asyncio.Semaphore] = {}

    @property
    def owner(self) -> str:
        """The lease holder name written to `locked_by`."""
        return self._ctx.process_id

    def wake(self) -> None:
        """Look for due deliveries now instead of at the next poll."""
        self._wake.set()

    def endpoints_changed(self) -> None:
        """An endpoint was added or changed here: heed every store's events until re-read."""
        self._live = None

    def _on_queued(self, store_id: str, event: WebhookEvent) -> None:
        live = self._live
        if live is not None and event not in live.get(store_id, ()):
            return
        with contextlib.suppress(RuntimeError):
            if asyncio.get_running_loop() is self._loop:  # not another app's, in tests
                self._wake.set()

    async def start(self) -> None:
        """Run the delivery loop (and the lease renewals) in the background."""
        if self._task is None:
            self._stopping = False
            self._loop = asyncio.get_running_loop()
            self._http = WebhookHttp(user_agent=f"CHATS-Webhooks/{__version__}",
                                     keep_per_target=PER_ENDPOINT)
            webhooks.add_queue_listener(self._on_queued)
            self._task = asyncio.create_task(self._run(), name="webhook-deliverer")
            self._renewer = asyncio.create_task(self._keep_leases(), name="webhook-lease")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the deliveries in hand (up to `grace` seconds), then end the loop."""
        task, self._task = self._task, None
        if task is not None:
            webhooks.remove_queue_listener(self._on_queued)
            self._stopping = True
            self._wake.set()
            await asyncio.gather(task, return_exceptions=True)
            if self._running:
                _, late = await asyncio.wait(set(self._running), timeout=grace)
                for pending in late:  # their leases lapse: another process sends them
                    pending.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            await self._settler.idle()
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _run(self) -> None:
        purged_at: datetime | None = None
        nudged = False
        while not self._stopping:
            try:
                if time.monotonic() - self._live_at >= self._poll:
                    await self._read_live()
                if await self.run_once() == 0 and nudged:
                    await self._look_again()
                if self._http is not None:
                    self._http.prune()
                if purged_at is None or self._clock() - purged_at >= PURGE_EVERY:
                    purged_at = self._clock()
                    await self.purge()
            except Exception:
                log.exception("webhook delivery pass failed")
            nudged = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
                nudged = True
                if not self._stopping:  # let a burst's events all be queued: one claim
                    await asyncio.sleep(self._gather)
            self._wake.clear()

    async def _look_again(self) -> None:
        """A nudge found nothing due: the event's transaction may not have committed yet
        (the nudge comes when it is queued). Claim again a few times, a little later each
        time, rather than leave it to the next poll."""
        for delay in LOOK_AGAIN:
            await asyncio.sleep(delay)
            if self._stopping or await self.run_once() > 0:
                return

    async def _read_live(self) -> None:
        """Which stores have live endpoints, for which events (nudges for others are ignored)."""
        async with self._ctx.db.read() as session:
            rows = await session.execute(select(Webhook.store_id, Webhook.events)
                                         .where(Webhook.active.is_(True)))
            live: dict[str, set[str]] = {}
            for store_id, events in rows:
                live.setdefault(store_id, set()).update(events or ())
        self._live, self._live_at = live, time.monotonic()

    async def run_once(self) -> int:
        """Claim what is due, up to the free slots, and start delivering it; returns how many.

        Each delivery runs on its own: a slow endpoint holds one slot, never the others.
        """
        free = self._batch - len(self._running)
        if free <= 0:
            return 0
        claimed = await self._ctx.db.writer.run(
            claim_job(self.owner, self._clock(), self._lease, free))
        self._starved = len(claimed) == free
        batch = _Batch(self._ctx.settings.webhooks_allow_private)
        for item in claimed:
            self._in_hand.add(item.id)
            task = asyncio.create_task(self._handle(item, batch), name="webhook-delivery")
            self._running.add(task)
            task.add_done_callback(functools.partial(self._finished, item.id))
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
        if self._starved:  # a slot is free and more may be waiting
            self._wake.set()

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
                await self._ctx.db.writer.run(renew_job(
                    self.owner, sorted(self._in_hand), self._clock() + self._lease))
            except Exception:
                log.exception("webhook lease renewal failed")

    async def _handle(self, item: Claimed, batch: _Batch) -> None:
        try:
            body = item.body
            if body is None and item.message is not None:  # message.created: built once
                body = webhooks.envelope(WebhookEvent.MESSAGE_CREATED,
                                         webhooks.message_data_from(item.message),
                                         item.message["created_at"])
            if item.url is None or item.secret is None or not item.active or body is None:
                await self._settler.add(self._settled(item, body, Outcome(
                    False, error="endpoint switched off" if body else "event no longer held"),
                    final=True))
                return
            gate = self._per_endpoint.get(item.webhook_id)
            if gate is None:
                gate = self._per_endpoint[item.webhook_id] = asyncio.Semaphore(PER_ENDPOINT)
            async with gate:
                outcome = await self._attempt(item, item.url, item.secret, body, batch)
            await self._settler.add(self._settled(item, body, outcome, final=False))
        except Exception:
            log.exception("webhook delivery failed unexpectedly", extra={"id": item.id})

    async def _attempt(self, item: Claimed, url: str, secret: str, body: str,
                       batch: _Batch) -> Outcome:
        """One signed POST to the checked address; never raises."""
        try:
            target = await batch.target(url)
        except ChatsError as exc:
            return Outcome(False, error=exc.key)
        now = self._clock()
        headers = [
            ("content-type", "application/json"),
            ("webhook-id", item.id), ("webhook-timestamp", str(int(now.timestamp()))),
            ("webhook-signature", batch.signer(item.webhook_id, secret).sign(item.id, now, body)),
        ]
        assert self._http is not None
        try:
            # The whole attempt is bounded: a receiver that drips its answer byte by byte
            # cannot hold a slot for longer.
            async with asyncio.timeout(self._timeout):
                answer = await self._http.post(target, headers, body.encode(), READ_LIMIT)
        except TimeoutError:
            return Outcome(False, error=f"no answer within {self._timeout:g} s")
        except PostError as exc:
            return Outcome(False, error=str(exc)[:500])
        text = excerpt(answer.body.decode("utf-8", "replace"))
        return Outcome(200 <= answer.status < 300, answer.status, text)

    def _settled(self, item: Claimed, body: str | None, outcome: Outcome, *,
                 final: bool) -> Settled:
        """The row an attempt leaves: delivered, failed for good, or due again after back-off."""
        now = self._clock()
        attempts = item.attempts + (0 if final else 1)
        next_at = None
        if outcome.delivered:
            status = DeliveryStatus.DELIVERED
        elif final or now >= item.retry_until:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
            delay = backoff_seconds(attempts, self._ctx.settings.webhooks_retry_seconds)
            next_at = now + timedelta(seconds=delay)
        return Settled(item.id, item.webhook_id, status, attempts, now, outcome.code,
                       outcome.body, outcome.error, body, next_at, counts=not final,
                       failing_since=item.failing_since)

    async def _write_outcomes(self, outcomes: list[Settled]) -> None:
        result = await self._ctx.db.writer.run(settle_job(self.owner, outcomes))
        if 0 <= result.written < len(outcomes):
            log.warning("webhook lease lost before the outcome was written",
                        extra={"ids": [o.id for o in outcomes]})
        for hook_id in result.to_switch_off:
            await self._switch_off(hook_id, outcomes[-1].at)

    async def _switch_off(self, hook_id: str, now: datetime) -> None:
        """An endpoint failing for a day: off, its pending rows failed, its admins told."""
        async with self._ctx.unit_of_work() as uow:
            session = uow.session
            off = (await session.execute(
                update(Webhook)
                .where(Webhook.id == hook_id, Webhook.active.is_(True),
                       Webhook.failing_since <= now - RETRY_FOR)
                .values(active=False, disabled_at=now)
                .returning(Webhook.store_id, Webhook.url)
                .execution_options(synchronize_session=False))).first()
            if off is None:  # switched off by another process, or it recovered meanwhile
                return
            store_id, url = off
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == hook_id,
                       WebhookDelivery.status == DeliveryStatus.PENDING,
                       or_(WebhookDelivery.locked_by.is_(None),
                           WebhookDelivery.locked_by == self.owner))
                .values(status=DeliveryStatus.FAILED, last_error="endpoint switched off")
                .execution_options(synchronize_session=False))
            store = await session.get(Store, store_id)
            if store is not None:
                await queue_webhook_disabled_notifications(
                    session, settings=self._ctx.settings, store=store, webhook_id=hook_id,
                    url=url, disabled_at=iso(now))
        log.warning("webhook endpoint switched off after a day of failures",
                    extra={"webhook_id": hook_id, "store_id": store_id})
