"""Delivery over real SMTP: exactly once, in the right language, retried, shared safely."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from chats.config import Settings
from chats.context import AppContext
from chats.db.engine import Database
from chats.db.models import MailOutbox
from chats.ids import utcnow
from chats.mail.links import verify_mail_link
from chats.mail.sender import LEASE_SECONDS, MailSender
from chats.metrics import Metrics
from tests.conftest import SECRET
from tests.factories import create_store
from tests.mail.conftest import SmtpServer, close_context, open_context
from tests.mail.helpers import (
    add_guest,
    add_notified_staff,
    notify_left,
    notify_unread,
    outbox_rows,
)
from tests.servers import wait_for


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def _link(text: str) -> str:
    [line] = [ln for ln in text.splitlines() if "/widget/panel?" in ln]
    return line.strip()


async def test_unread_notification_is_delivered_once_in_japanese(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db, name="茶房みどり")
    guest = await add_guest(db, store_id=store.store_id, email="hanako@example.jp",
                            nickname="<script>alert(1)</script>")
    queued = await notify_unread(db, smtp_settings, store_id=store.store_id, guest=guest)
    assert queued is not None
    sender = MailSender(ctx)
    assert await sender.run_once() == 1
    [got] = await smtp.mailbox.wait_for(1)
    assert got.rcpt_tos == ["hanako@example.jp"]
    assert got.mail_from == "shop@example.jp"
    msg = got.message
    assert msg["To"] == "hanako@example.jp"
    assert msg["Subject"] == "茶房みどり から未読のメッセージが届いています"
    assert msg["Message-ID"] == queued.message_id
    assert msg["Date"] and msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    assert "チャットを開く" in _text(msg)
    # The guest's own text is escaped in the HTML part, kept as typed in the plain text.
    assert "<script>" not in _html(msg)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _html(msg)
    assert "<script>alert(1)</script> 様" in _text(msg)
    # The link opens the store's panel with a token for this guest and conversation only.
    link = urlsplit(_link(_text(msg)))
    assert f"{link.scheme}://{link.netloc}{link.path}" == f"{smtp_settings.public_url}/widget/panel"
    query = parse_qs(link.query)
    assert query["store"] == [store.widget_key]
    assert verify_mail_link(SECRET, query["mail"][0]) == (guest.guest_id, guest.conversation_id)
    assert _link(_text(msg)).replace("&", "&amp;") in _html(msg)
    # Nothing more to send, and the row records the delivery.
    assert await sender.run_once() == 0
    [row] = await outbox_rows(db)
    assert (row.status, row.attempts, row.locked_by) == ("sent", 0, None)
    assert row.sent_at is not None
    assert len(smtp.mailbox.received) == 1


async def test_unread_notification_in_the_guests_language(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db, name="Green Tea House")
    guest = await add_guest(db, store_id=store.store_id, locale="en", nickname="Hanako")
    await notify_unread(db, smtp_settings, store_id=store.store_id, guest=guest)
    assert await MailSender(ctx).run_once() == 1
    [got] = await smtp.mailbox.wait_for(1)
    assert got.message["Subject"] == "You have an unread message from Green Tea House"
    text = _text(got.message)
    assert text.startswith("Hello Hanako,")
    assert "Open the chat" in text and "valid for 14 days" in text
    assert '<html lang="en">' in _html(got.message)


async def test_japanese_headers_are_encoded_on_the_wire(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db, name="茶房みどり")
    await notify_unread(db, smtp_settings, store_id=store.store_id,
                        guest=await add_guest(db, store_id=store.store_id))
    await MailSender(ctx).run_once()
    [got] = await smtp.mailbox.wait_for(1)
    raw = got.message.as_bytes()
    assert raw.isascii()
    assert b"Subject: =?utf-8?" in raw


async def test_the_same_cause_twice_sends_one_mail(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db)
    guest = await add_guest(db, store_id=store.store_id)
    for _ in range(2):
        await notify_unread(db, smtp_settings, store_id=store.store_id, guest=guest,
                            message_id="m1")
    sender = MailSender(ctx)
    assert await sender.run_once() == 1
    assert await sender.run_once() == 0
    await notify_unread(db, smtp_settings, store_id=store.store_id, guest=guest, message_id="m1")
    assert await sender.run_once() == 0
    assert len(smtp.mailbox.received) == 1


async def test_left_message_reaches_staff_in_their_language(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db, name="茶房みどり")
    await add_notified_staff(db, store_id=store.store_id, email="ja@example.com", name="佐藤")
    await add_notified_staff(db, store_id=store.store_id, email="en@example.com", locale="en",
                             name="Smith")
    await notify_left(db, smtp_settings, store_id=store.store_id, conversation_id="c1",
                      nickname="太郎", text="<b>在庫</b>はありますか？\n2行目")
    assert await MailSender(ctx).run_once() == 2
    got = {r.rcpt_tos[0]: r.message for r in await smtp.mailbox.wait_for(2)}
    assert got["ja@example.com"]["Subject"] == "太郎 さんからメッセージが届きました"
    assert got["en@example.com"]["Subject"] == "New message from 太郎"
    assert "> <b>在庫</b>はありますか？\n> 2行目" in _text(got["ja@example.com"])
    assert "&lt;b&gt;在庫&lt;/b&gt;はありますか？<br>2行目" in _html(got["en@example.com"])
    assert f"{smtp_settings.public_url}/console/" in _text(got["en@example.com"])


async def test_mail_waits_while_smtp_is_down_and_goes_once_it_is_back(
    settings: Settings, db: Database
) -> None:
    down = SmtpServer()
    mail_settings = settings.model_copy(update={"smtp_url": down.url})
    ctx = await open_context(mail_settings)
    try:
        store = await create_store(db)
        guest = await add_guest(db, store_id=store.store_id)
        await notify_unread(db, mail_settings, store_id=store.store_id, guest=guest)
        clock = Clock()
        sender = MailSender(ctx, clock=clock)
        assert await sender.run_once() == 1
        [row] = await outbox_rows(db)
        assert (row.status, row.attempts, row.locked_by) == ("pending", 1, None)
        assert row.last_error and "SMTP" in row.last_error
        assert timedelta(seconds=23) <= row.next_attempt_at - clock.now <= timedelta(seconds=37)
        # Not due yet: nothing is tried.
        assert await sender.run_once() == 0
        down.start()
        try:
            clock.advance(seconds=40)
            assert await sender.run_once() == 1
            [got] = await down.mailbox.wait_for(1)
            assert got.message["Message-ID"] == row.message_id
            clock.advance(hours=2)
            assert await sender.run_once() == 0
            assert len(down.mailbox.received) == 1
        finally:
            down.stop()
        [row] = await outbox_rows(db)
        assert (row.status, row.attempts) == ("sent", 1)
    finally:
        await close_context(ctx)


async def test_backoff_grows_and_gives_up_after_the_last_attempt(
    settings: Settings, db: Database
) -> None:
    down = SmtpServer()
    ctx = await open_context(settings.model_copy(update={"smtp_url": down.url}))
    try:
        store = await create_store(db)
        await notify_unread(db, settings, store_id=store.store_id,
                            guest=await add_guest(db, store_id=store.store_id))
        clock = Clock()
        sender = MailSender(ctx, clock=clock, max_attempts=4)
        delays = []
        for _ in range(4):
            assert await sender.run_once() == 1
            [row] = await outbox_rows(db)
            delays.append((row.next_attempt_at - clock.now).total_seconds())
            clock.now = row.next_attempt_at
        assert [round(d / 30) for d in delays[:3]] in ([1, 2, 4], [1, 2, 5], [1, 2, 3])
        assert delays[0] < delays[1] < delays[2]
        assert (row.status, row.attempts) == ("failed", 4)
        clock.advance(days=1)
        assert await sender.run_once() == 0
    finally:
        await close_context(ctx)


async def test_a_recipient_refused_for_good_fails_at_once(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db)
    guest = await add_guest(db, store_id=store.store_id, email="nobody@example.com")
    await notify_unread(db, smtp_settings, store_id=store.store_id, guest=guest)
    assert await MailSender(ctx).run_once() == 1
    [row] = await outbox_rows(db)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error and "550" in row.last_error
    assert smtp.mailbox.received == []


async def test_two_processes_never_send_the_same_mail_twice(
    smtp_settings: Settings, db: Database, smtp: SmtpServer
) -> None:
    store = await create_store(db)
    for i in range(20):
        guest = await add_guest(db, store_id=store.store_id, email=f"g{i}@example.com")
        await notify_unread(db, smtp_settings, store_id=store.store_id, guest=guest)
    one = await open_context(smtp_settings, process_id="process-one")
    two = await open_context(smtp_settings, process_id="process-two")
    try:
        senders = [MailSender(one, batch_size=3), MailSender(two, batch_size=3)]
        handled = 0
        for _ in range(20):
            counts = await asyncio.gather(*(s.run_once() for s in senders * 2))
            handled += sum(counts)
        assert handled == 20
        received = await smtp.mailbox.wait_for(20)
        ids = [r.message["Message-ID"] for r in received]
        assert len(ids) == len(set(ids)) == 20
        rows = await outbox_rows(db)
        assert {r.status for r in rows} == {"sent"}
        assert sorted(r.rcpt_tos[0] for r in received) == sorted(r.to_addr for r in rows)
    finally:
        await close_context(one)
        await close_context(two)


async def test_a_live_lease_is_respected_and_an_expired_one_taken_over(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db)
    await notify_unread(db, smtp_settings, store_id=store.store_id,
                        guest=await add_guest(db, store_id=store.store_id))
    clock = Clock()
    async with db.write() as session:
        await session.execute(update(MailOutbox).values(
            locked_by="crashed-process", locked_until=clock.now + timedelta(minutes=10)))
        await session.commit()
    sender = MailSender(ctx, clock=clock)
    assert await sender.run_once() == 0
    clock.advance(minutes=11)
    assert await sender.run_once() == 1
    await smtp.mailbox.wait_for(1)


async def test_without_smtp_mail_is_logged(settings: Settings, db: Database) -> None:
    assert settings.smtp_url is None
    ctx = await open_context(settings)
    metrics = ctx.metrics = Metrics()
    try:
        store = await create_store(db)
        await notify_unread(db, settings, store_id=store.store_id,
                            guest=await add_guest(db, store_id=store.store_id))
        assert await MailSender(ctx).run_once() == 1
        [row] = await outbox_rows(db)
        assert (row.status, row.locked_by) == ("logged", None)
        assert row.sent_at is not None
        assert metrics.registry.get_sample_value("chats_mail_total", {"outcome": "logged"}) == 1
    finally:
        await close_context(ctx)


async def test_the_background_loop_sends_when_woken(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    sender = MailSender(ctx, poll_seconds=3600)
    await sender.start()
    try:
        store = await create_store(db)
        await notify_unread(db, smtp_settings, store_id=store.store_id,
                            guest=await add_guest(db, store_id=store.store_id))
        sender.wake()
        [got] = await smtp.mailbox.wait_for(1)
        assert got.rcpt_tos == ["guest@example.com"]
    finally:
        await sender.stop()


async def test_the_loop_survives_a_failing_pass(
    ctx: AppContext, db: Database, smtp_settings: Settings, smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sender = MailSender(ctx, poll_seconds=3600)
    real_claim = sender._claim
    failures: list[datetime] = []

    async def broken_once(now: datetime) -> list[str]:
        if not failures:
            failures.append(now)
            raise RuntimeError("database went away")
        return await real_claim(now)

    # The first pass fails (as when the database is briefly unreachable); the loop goes on.
    monkeypatch.setattr(sender, "_claim", broken_once)
    await sender.start()
    try:
        store = await create_store(db)
        await notify_unread(db, smtp_settings, store_id=store.store_id,
                            guest=await add_guest(db, store_id=store.store_id))
        sender.wake()
        await smtp.mailbox.wait_for(1)
        assert len(failures) == 1
    finally:
        await sender.stop()


async def test_a_lease_is_renewed_while_sending_and_lapses_within_a_minute_of_a_crash(
    ctx: AppContext, db: Database, settings: Settings, smtp: SmtpServer
) -> None:
    connections: list[asyncio.StreamWriter] = []
    hang_up = asyncio.Event()

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)  # an SMTP server that never greets: the send hangs
        await hang_up.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stuck = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}?timeout=300"})
    dying = await open_context(stuck, process_id="dies-mid-send")
    try:
        store = await create_store(db)
        await notify_unread(db, settings, store_id=store.store_id,
                            guest=await add_guest(db, store_id=store.store_id))
        clock = Clock()
        first = asyncio.create_task(MailSender(dying, clock=clock, renew_seconds=0.05).run_once())
        await wait_for(lambda: bool(connections))
        # Long past the first lease, the sender still in the middle of it keeps the mail.
        clock.advance(seconds=LEASE_SECONDS * 3)
        await wait_for(_lease_runs_past(db, clock), timeout=10)
        other = MailSender(ctx, clock=clock)
        assert await other.run_once() == 0
        # The first process dies without a word; within a minute another sends the mail, once.
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        clock.advance(seconds=60)
        assert await other.run_once() == 1
        await smtp.mailbox.wait_for(1)
        [row] = await outbox_rows(db)
        assert (row.status, row.locked_by) == ("sent", None)
        assert len(smtp.mailbox.received) == 1
    finally:
        hang_up.set()
        server.close()
        await server.wait_closed()
        await close_context(dying)


def _lease_runs_past(db: Database, clock: Clock) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        [row] = await outbox_rows(db)
        return row.locked_by == "dies-mid-send" and row.locked_until is not None \
            and row.locked_until > clock.now
    return check
