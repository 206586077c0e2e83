"""The background sender: claims due outbox rows, delivers them, retries with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import or_, select, update

from chats.db.models import MailOutbox
from chats.domain.mail import MailStatus
from chats.ids import utcnow
from chats.mail.smtp import build_message, deliver, describe_error, is_permanent, parse_smtp_url

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from sqlalchemy.sql.elements import ColumnElement

    from chats.config import Settings
    from chats.db.engine import Database
    from chats.events.unit_of_work import UnitOfWork
    from chats.metrics import Metrics

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
FIRST_RETRY = 30.0
MAX_RETRY = 3600.0
LEASE_SECONDS = 30.0
"""How long a claim holds without renewal: a process killed mid-send frees its mail this fast."""


def backoff_seconds(attempts: int) -> float:
    """Delay before the next try: 30 s doubling per failure, ±20 % jitter, at most an hour."""
    base = FIRST_RETRY * 2.0 ** min(max(attempts - 1, 0), 20)
    return min(base * random.uniform(0.8, 1.2), MAX_RETRY)


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending, due, and not leased by a live sender."""
    return (
        (MailOutbox.status == MailStatus.PENDING)
        & (MailOutbox.next_attempt_at <= now)
        & or_(MailOutbox.locked_until.is_(None), MailOutbox.locked_until < now)
    )


class SenderHost(Protocol):
    """What the sender uses of its process (the app's context has it all)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def process_id(self) -> str: ...
    @property
    def metrics(self) -> Metrics | None: ...
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class MailSender:
    """Delivers the outbox; with several processes, a lease makes exactly one send each mail.

    The lease is short and renewed every third of it while the batch is in hand, so a
    slow SMTP server keeps its mail, and a process that dies frees it within a lease:
    another process (or the restarted one) sends it. A mail the dead process never
    handed to the SMTP server is sent once; one accepted just before the crash, before
    the outcome was written, is sent again (with the same Message-ID).
    """

    def __init__(
        self,
        ctx: SenderHost,
        *,
        clock: Clock = utcnow,
        poll_seconds: float = 1.0,
        batch_size: int = 10,
        lease_seconds: float = LEASE_SECONDS,
        renew_seconds: float | None = None,
        max_attempts: int = 10,
    ) -> None:
        self._ctx = ctx
        self._clock = clock
        self._poll = poll_seconds
        self._batch = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._renew_every = renew_seconds if renew_seconds is not None else lease_seconds / 3
        self._max_attempts = max_attempts
        self._target = parse_smtp_url(ctx.settings.smtp_url) if ctx.settings.smtp_url else None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def owner(self) -> str:
        """The lease holder name written to `locked_by`."""
        return self._ctx.process_id

    def wake(self) -> None:
        """Look for due mail now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Run the polling loop in the background."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name="mail-sender")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the mail in hand (up to `grace` seconds), then end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        while not self._stopping:
            handled = 0
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("mail sender pass failed")
            if handled < self._batch:
                await self._idle()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._poll)
        self._wake.clear()

    async def run_once(self) -> int:
        """Claim what is due and deliver it; returns how many mails were handled."""
        claimed = await self._claim(self._clock())
        if not claimed:
            return 0
        in_hand = set(claimed)
        renewer = asyncio.create_task(self._keep_leases(in_hand), name="mail-lease")
        try:
            for i, mail_id in enumerate(claimed):
                if self._stopping:
                    await self._release(claimed[i:])
                    return i
                await self._handle(mail_id)
                in_hand.discard(mail_id)
        finally:
            # Killed or cancelled here: the renewals stop and the leases lapse on their own.
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
        return len(claimed)

    async def _keep_leases(self, in_hand: set[str]) -> None:
        """Push the lease of the mails still in hand forward, every third of a lease."""
        while True:
            await asyncio.sleep(self._renew_every)
            if not in_hand:
                continue
            try:
                await self._extend(sorted(in_hand))
            except Exception:
                log.exception("mail lease renewal failed")

    async def _extend(self, ids: list[str]) -> None:
        async with self._ctx.unit_of_work() as uow:
            await uow.session.execute(
                update(MailOutbox)
                .where(MailOutbox.id.in_(ids), MailOutbox.locked_by == self.owner)
                .values(locked_until=self._clock() + self._lease)
                .execution_options(synchronize_session=False)
            )

    async def _claim(self, now: datetime) -> list[str]:
        """Lease up to a batch of due rows to this process, committed before any sending."""
        # Look first without the write lock: an idle poll every second must not queue
        # behind (or hold up) the writers of a busy store.
        async with self._ctx.db.read() as session:
            if await session.scalar(select(MailOutbox.id).where(_due(now)).limit(1)) is None:
                return []
        async with self._ctx.unit_of_work() as uow:
            query = (
                select(MailOutbox.id).where(_due(now))
                .order_by(MailOutbox.next_attempt_at, MailOutbox.id).limit(self._batch)
            )
            if not self._ctx.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            candidates = list(await uow.session.scalars(query))
            if not candidates:
                return []
            # The guard repeats the due test, so a row another sender took is skipped.
            claim = (
                update(MailOutbox)
                .where(MailOutbox.id.in_(candidates), _due(now))
                .values(locked_by=self.owner, locked_until=now + self._lease)
                .returning(MailOutbox.id)
                .execution_options(synchronize_session=False)
            )
            return sorted(await uow.session.scalars(claim), key=candidates.index)

    async def _release(self, ids: list[str]) -> None:
        await self._settle(ids, {})

    async def _settle(self, ids: list[str], values: dict[str, Any]) -> bool:
        """Write the outcome and drop the lease, only where this process still holds it."""
        async with self._ctx.unit_of_work() as uow:
            stmt = (
                update(MailOutbox)
                .where(MailOutbox.id.in_(ids), MailOutbox.locked_by == self.owner)
                .values(**values, locked_by=None, locked_until=None)
                .returning(MailOutbox.id)
                .execution_options(synchronize_session=False)
            )
            done = list(await uow.session.scalars(stmt))
        if len(done) < len(ids):
            log.warning("mail lease lost before the outcome was written", extra={"ids": ids})
        return bool(done)

    def _count(self, outcome: str) -> None:
        """Add one to the `chats_mail` counter (sent, logged, retry, failed) when it exists."""
        metrics = self._ctx.metrics
        if metrics is not None:
            metrics.mail.labels(outcome).inc()

    async def _handle(self, mail_id: str) -> None:
        async with self._ctx.db.read() as session:
            mail = await session.get(MailOutbox, mail_id)
        if mail is None:
            return
        if self._target is None:
            self._log_mail(mail)
            await self._settle([mail.id], {"status": MailStatus.LOGGED, "sent_at": self._clock()})
            self._count("logged")
            return
        try:
            message = build_message(mail, mail_from=self._ctx.settings.mail_from,
                                    now=self._clock())
            await deliver(self._target, message, sender=self._ctx.settings.mail_from,
                          to=mail.to_addr)
        except Exception as exc:
            await self._failed(mail, exc)
            return
        await self._settle([mail.id], {"status": MailStatus.SENT, "sent_at": self._clock(),
                                       "last_error": None})
        self._count("sent")

    async def _failed(self, mail: MailOutbox, exc: Exception) -> None:
        attempts = mail.attempts + 1
        error = describe_error(exc)[:2000]
        give_up = attempts >= self._max_attempts or is_permanent(exc) or isinstance(exc, ValueError)
        next_at = self._clock() + timedelta(seconds=backoff_seconds(attempts))
        log.warning("mail delivery failed", extra={"mail_id": mail.id, "attempts": attempts,
                                                   "error": error, "gave_up": give_up})
        await self._settle([mail.id], {
            "attempts": attempts, "last_error": error, "next_attempt_at": next_at,
            "status": MailStatus.FAILED if give_up else MailStatus.PENDING,
        })
        self._count("failed" if give_up else "retry")

    def _log_mail(self, mail: MailOutbox) -> None:
        log.info("mail (no SMTP configured)", extra={
            "mail_id": mail.id, "to": mail.to_addr, "subject": mail.subject,
            "message_id": mail.message_id, "body": mail.body_text,
        })

