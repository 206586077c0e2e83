"""Retention (issue 17 item 4): the admin sets a store's period over HTTP; the background
purge deletes that store's messages, page views and chat files older than it, in batches,
from the database and the disk, once between several purging processes, and keeps the
conversations so the statistics still add up."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import (
    AuditEntry,
    Conversation,
    MailOutbox,
    Message,
    PageView,
    Upload,
    Webhook,
    WebhookDelivery,
)
from chats.domain.mail import MailStatus
from chats.domain.webhooks import DeliveryStatus
from chats.ids import utcnow
from chats.services import retention
from chats.services.retention import RetentionSweeper
from tests.admin.guest_data import Held, count_rows, hold, release, todays_stats, upload_path
from tests.api.helpers import login
from tests.factories import StoreInfo
from tests.servers import ThreadServer, http_client


async def test_the_admin_sets_and_clears_the_period(
    admin: httpx.AsyncClient, agent: httpx.AsyncClient,
    db: Database,
) -> None:
    assert (await admin.get("/api/admin/retention")).json() == {"retention_days": None}
    r = await admin.put("/api/admin/retention", json={"retention_days": 30})
    assert r.status_code == 200 and r.json() == {"retention_days": 30}
    for bad in (0, -1, 3651, "三十", 1.5):
        r = await admin.put("/api/admin/retention", json={"retention_days": bad})
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["message"]
    r = await admin.put("/api/admin/retention", json={"retention_days": 30})  # unchanged
    assert (await admin.get("/api/admin/retention")).json() == {"retention_days": 30}
    assert (await agent.put("/api/admin/retention",
                            json={"retention_days": 1})).status_code == 403
    r = await admin.put("/api/admin/retention", json={"retention_days": None})
    assert r.json() == {"retention_days": None}
    async with db.read() as session:
        rows = list(await session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "settings.retention").order_by(AuditEntry.at)))
    assert rows == [{"from": None, "to": 30}, {"from": 30, "to": None}]


async def _both_held_a_period_for_one(server: ThreadServer, store: StoreInfo,
                                      other_store: StoreInfo, admin: httpx.AsyncClient
                                      ) -> tuple[Held, Held]:
    """A chat with data in each store; a 30-day period for the first store only."""
    kept = await hold(server, store, admin)
    async with http_client(base_url=server.url) as theirs:
        await login(theirs, other_store.admin_login)
        untouched = await hold(server, other_store, theirs)
    assert (await admin.put("/api/admin/retention",
                            json={"retention_days": 30})).status_code == 200
    return kept, untouched


async def test_the_purge_deletes_old_messages_views_and_files_only(
    server: ThreadServer, db: Database, settings: Settings, store: StoreInfo,
    other_store: StoreInfo, admin: httpx.AsyncClient,
) -> None:
    kept, untouched = await _both_held_a_period_for_one(server, store, other_store, admin)
    a_messages = await count_rows(db, Message, Message.store_id == store.store_id)
    b_messages = await count_rows(db, Message, Message.store_id == other_store.store_id)
    assert a_messages >= 3
    before = await todays_stats(admin)
    gone = await upload_path(db, settings, kept.upload_id)
    assert gone.is_file()
    now = utcnow()

    # Within the period nothing goes.
    early = RetentionSweeper(db, settings, clock=lambda: now + timedelta(days=29))
    assert (await early.run_once()).total == 0

    # Past it, two processes purge at once, in batches of two rows: each row goes once.
    other = Database(settings.effective_database_url)
    try:
        late = now + timedelta(days=31)
        first, second = await asyncio.gather(
            retention.purge(db, settings, now=late, batch=2),
            retention.purge(other, settings, now=late, batch=2))
    finally:
        await other.dispose()
    assert first.messages + second.messages == a_messages
    assert first.page_views + second.page_views == 2
    assert first.files + second.files == 1

    assert await count_rows(db, Message, Message.store_id == store.store_id) == 0
    assert await count_rows(db, PageView, PageView.store_id == store.store_id) == 0
    assert await count_rows(db, Upload, Upload.id == kept.upload_id) == 0
    assert await count_rows(db, Conversation, Conversation.id == kept.conversation_id) == 1
    # The statistics count the conversations as before (they are computed for today).
    assert await todays_stats(admin) == before
    # The store without a period keeps everything, on disk too.
    assert await count_rows(db, Message, Message.store_id == other_store.store_id) == b_messages
    assert await count_rows(db, PageView, PageView.store_id == other_store.store_id) == 2
    assert (await upload_path(db, settings, untouched.upload_id)).is_file()
    async with db.read() as session:
        left = await session.scalar(select(func.count()).select_from(Upload)
                                    .where(Upload.store_id == store.store_id))
    assert left == 0
    assert not gone.exists()
    assert (await RetentionSweeper(db, settings, clock=lambda: late).run_once()).total == 0
    await release(kept)
    await release(untouched)


async def _words_elsewhere(db: Database, store_id: str, conversation_id: str,
                           at: datetime) -> None:
    """What else holds a guest's words: a rating comment, a delivered webhook, two mails."""
    async with db.write() as session:
        await session.execute(update(Conversation).where(Conversation.id == conversation_id)
                              .values(rating=4, rating_comment="丁寧でした", rated_at=at))
        hook = Webhook(store_id=store_id, url="https://hooks.example.jp/", secret="whsec_x",
                       events=["message.created"])
        session.add(hook)
        await session.flush()
        session.add(WebhookDelivery(store_id=store_id, webhook_id=hook.id,
                                    event="message.created", subject_id="m1",
                                    body='{"text":"電話番号は090-1234-5678です"}',
                                    status=DeliveryStatus.DELIVERED, created_at=at))
        for status in (MailStatus.SENT, MailStatus.FAILED):
            session.add(MailOutbox(store_id=store_id, dedupe_key=f"{store_id}-{status}",
                                   to_addr="shop@example.jp", subject="お問い合わせ",
                                   body_text="電話番号は090-1234-5678です",
                                   body_html="<p>電話番号は090-1234-5678です</p>",
                                   message_id=f"<{store_id}-{status}@chats>", status=status,
                                   created_at=at))
        await session.commit()


async def _words_left(db: Database, store_id: str) -> list[object]:
    async with db.read() as session:
        comments = list(await session.scalars(select(Conversation.rating_comment).where(
            Conversation.store_id == store_id, Conversation.rating.is_not(None))))
        ratings = list(await session.scalars(select(Conversation.rating).where(
            Conversation.store_id == store_id, Conversation.rating.is_not(None))))
        bodies = list(await session.scalars(select(WebhookDelivery.body)
                                            .where(WebhookDelivery.store_id == store_id)))
        mails = [tuple(r) for r in await session.execute(
            select(MailOutbox.status, MailOutbox.body_text, MailOutbox.body_html)
            .where(MailOutbox.store_id == store_id).order_by(MailOutbox.dedupe_key))]
    return [ratings, comments, bodies, mails]


async def test_the_purge_clears_the_guests_words_kept_elsewhere(
    server: ThreadServer, db: Database, settings: Settings, store: StoreInfo,
    other_store: StoreInfo, admin: httpx.AsyncClient,
) -> None:
    kept, untouched = await _both_held_a_period_for_one(server, store, other_store, admin)
    now = utcnow()
    await _words_elsewhere(db, store.store_id, kept.conversation_id, now)
    await _words_elsewhere(db, other_store.store_id, untouched.conversation_id, now)
    theirs_before = await _words_left(db, other_store.store_id)

    done = await retention.purge(db, settings, now=now + timedelta(days=31), batch=1)
    assert (done.comments, done.bodies) == (1, 3)
    ratings, comments, bodies, mails = await _words_left(db, store.store_id)
    assert ratings == [4] and comments == [None]  # the score stays for the statistics
    assert bodies == [None]
    assert mails == [(MailStatus.DISCARDED, "", None), (MailStatus.SENT, "", None)]
    assert await _words_left(db, other_store.store_id) == theirs_before
    assert (await retention.purge(db, settings, now=now + timedelta(days=31))).total == 0
    await release(kept)
    await release(untouched)
