"""Retention (issue 17 item 4): each store's messages, page views and files older than its
`retention_days` are purged by a background job that every process runs. What else holds
a guest's words goes with them: rating comments (the score stays), the bodies of finished
webhook deliveries and of mails no longer waiting to be sent (their rows stay, for the
logs, the dedupe keys and the sending limits).

Each batch is its own short transaction (`PURGE_BATCH` rows), so chats never wait long
behind it. Several processes may purge at once: a row is deleted once between them, and
a file is unlinked only by the process whose DELETE … RETURNING removed its row.
Conversations stay (the statistics count them); only what they held goes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, select, update

from chats.db.models import (
    Conversation,
    MailOutbox,
    Message,
    PageView,
    Store,
    Upload,
    WebhookDelivery,
)
from chats.domain.audit import AuditAction, retention_cutoff
from chats.domain.mail import MailStatus
from chats.domain.webhooks import DeliveryStatus
from chats.ids import utcnow
from chats.services import audit
from chats.services.sweeps import HOURLY, Sweep
from chats.services.uploads import stored_path

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings
    from chats.db.engine import Database

log = logging.getLogger(__name__)

MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 3650
PURGE_BATCH = 500
CHAT_FILE = "chat_file"  # the store's pictures (logo, buttons, stamps) are never purged


async def retention_days(session: AsyncSession, store_id: str) -> int | None:
    """The store's retention period in days (None: messages are kept until erased)."""
    store = await session.get(Store, store_id)
    return store.retention_days if store else None


async def set_retention(session: AsyncSession, actor: audit.Actor, store_id: str,
                        days: int | None) -> int | None:
    """Set or clear the store's retention period; an entry in the audit log if it changed."""
    store = await session.get(Store, store_id)
    assert store is not None  # the caller's own store
    if store.retention_days != days:
        audit.record(session, actor, AuditAction.SETTINGS_RETENTION, target_type="store",
                     target_id=store_id,
                     details={"from": store.retention_days, "to": days})
        store.retention_days = days
    return days


@dataclass
class Purged:
    """How many rows (and files) one sweep deleted."""

    messages: int = 0
    page_views: int = 0
    files: int = 0
    comments: int = 0  # rating comments cleared
    bodies: int = 0  # webhook and mail bodies cleared

    @property
    def total(self) -> int:
        """Everything deleted or cleared."""
        return self.messages + self.page_views + self.files + self.comments + self.bodies

    def add(self, other: Purged) -> None:
        """Count another sweep's work in."""
        self.messages += other.messages
        self.page_views += other.page_views
        self.files += other.files
        self.comments += other.comments
        self.bodies += other.bodies


async def _batches(db: Database, make: Callable[[], Any]) -> int:
    """Run the DELETE `make()` builds, one transaction each, until it deletes nothing."""
    total = 0
    while True:
        async with db.write() as session:
            result = await session.execute(make().execution_options(synchronize_session=False))
            await session.commit()
        deleted = int(getattr(result, "rowcount", 0) or 0)
        total += deleted
        if deleted == 0:  # not `< batch`: a batch another process raced for comes back short
            return total


async def _purge_files(db: Database, settings: Settings, store_id: str, cutoff: datetime,
                       batch: int) -> int:
    total = 0
    while True:
        async with db.write() as session:
            ids = (select(Upload.id).where(Upload.store_id == store_id,
                                           Upload.purpose == CHAT_FILE,
                                           Upload.created_at < cutoff).limit(batch))
            rows = list(await session.execute(
                delete(Upload).where(Upload.id.in_(ids.scalar_subquery()))
                .returning(Upload.stored_name)
                .execution_options(synchronize_session=False)))
            await session.commit()
        for (stored_name,) in rows:
            stored_path(settings, stored_name).unlink(missing_ok=True)
        total += len(rows)
        if not rows:
            return total


async def purge_store(db: Database, settings: Settings, store_id: str, cutoff: datetime,
                      *, batch: int = PURGE_BATCH) -> Purged:
    """Delete the store's messages, page views and chat files older than `cutoff`."""

    def messages() -> Any:
        ids = select(Message.id).where(Message.store_id == store_id,
                                       Message.created_at < cutoff).limit(batch)
        return delete(Message).where(Message.id.in_(ids.scalar_subquery()))

    def views() -> Any:
        ids = select(PageView.id).where(PageView.store_id == store_id,
                                        PageView.viewed_at < cutoff).limit(batch)
        return delete(PageView).where(PageView.id.in_(ids.scalar_subquery()))

    def comments() -> Any:
        ids = select(Conversation.id).where(Conversation.store_id == store_id,
                                            Conversation.rated_at < cutoff,
                                            Conversation.rating_comment.is_not(None)).limit(batch)
        return (update(Conversation).where(Conversation.id.in_(ids.scalar_subquery()))
                .values(rating_comment=None))

    def hook_bodies() -> Any:
        ids = select(WebhookDelivery.id).where(
            WebhookDelivery.store_id == store_id, WebhookDelivery.created_at < cutoff,
            WebhookDelivery.status != DeliveryStatus.PENDING,
            WebhookDelivery.body.is_not(None)).limit(batch)
        return (update(WebhookDelivery).where(WebhookDelivery.id.in_(ids.scalar_subquery()))
                .values(body=None))

    def mail_bodies() -> Any:
        # A failed mail older than the period is not sent again (its words are gone): it
        # becomes discarded; sent, logged and discarded ones keep their status.
        ids = select(MailOutbox.id).where(
            MailOutbox.store_id == store_id, MailOutbox.created_at < cutoff,
            MailOutbox.status != MailStatus.PENDING,
            (MailOutbox.body_text != "") | MailOutbox.body_html.is_not(None)).limit(batch)
        return (update(MailOutbox).where(MailOutbox.id.in_(ids.scalar_subquery()))
                .values(body_text="", body_html=None,
                        status=case((MailOutbox.status == MailStatus.FAILED,
                                     MailStatus.DISCARDED), else_=MailOutbox.status)))

    done = Purged()
    done.messages = await _batches(db, messages)
    done.page_views = await _batches(db, views)
    done.files = await _purge_files(db, settings, store_id, cutoff, batch)
    done.comments = await _batches(db, comments)
    done.bodies = await _batches(db, hook_bodies) + await _batches(db, mail_bodies)
    return done


async def purge(db: Database, settings: Settings, *, now: datetime,
                batch: int = PURGE_BATCH) -> Purged:
    """One sweep over every store with a retention period."""
    async with db.read() as session:
        stores = list(await session.execute(
            select(Store.id, Store.retention_days).where(Store.retention_days.is_not(None))))
    done = Purged()
    for store_id, days in stores:
        if days is None:
            continue
        done.add(await purge_store(db, settings, store_id, retention_cutoff(now, days),
                                   batch=batch))
    return done


class RetentionSweeper(Sweep):
    """Purges what each store's retention period has passed, once an hour, in every process."""

    name = "retention-sweeper"

    def __init__(self, db: Database, settings: Settings, *,
                 interval: float = HOURLY,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(interval)
        self._db = db
        self._settings = settings
        self._clock = clock

    async def run_once(self) -> Purged:
        """One sweep now; what it deleted."""
        done = await purge(self._db, self._settings, now=self._clock())
        if done.total:
            log.info("retention purge", extra={"messages": done.messages,
                                                "page_views": done.page_views,
                                                "files": done.files, "comments": done.comments,
                                                "bodies": done.bodies})
        return done
