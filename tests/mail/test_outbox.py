"""Queuing mail: validation, header injection, one mail per cause, sending limits."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import Guest, MailOutbox, Store
from chats.errors import ChatsError
from chats.ids import new_id
from chats.mail.outbox import GUEST_MAILS_PER_HOUR, queue_mail, queue_unread_notification
from tests.factories import create_store
from tests.mail.helpers import (
    add_guest,
    add_notified_staff,
    notify_left,
    notify_unread,
    outbox_count,
    outbox_rows,
)
from tests.servers import wait_for


async def _queue(db: Database, store_id: str, **fields: str) -> MailOutbox | None:
    values = {"dedupe_key": new_id(), "to_addr": "guest@example.com", "subject": "Hello",
              "body_text": "Hi", **fields}
    async with db.write() as session:
        mail = await queue_mail(session, store_id=store_id, **values)
        await session.commit()
        return mail


@pytest.mark.parametrize("address", [
    "a@b.c\r\nBcc: x@y.z", "a@b.c\nBcc: x@y.z", "victim@example.com\rX: y", "a@example.com\x00",
    "a@example.com\u2028Bcc: x@y.z",
])
async def test_addresses_with_line_breaks_are_refused(db: Database, address: str) -> None:
    store = await create_store(db)
    with pytest.raises(ChatsError) as err:
        await _queue(db, store.store_id, to_addr=address)
    assert (err.value.code, err.value.key) == ("bad_frame", "error.header_injection")
    assert await outbox_count(db) == 0


@pytest.mark.parametrize("address", [
    "", "guest", "guest@", "@example.com", "guest@localhost", "Guest <guest@example.com>",
    "a,b@example.com", "guest@exa mple.com", "guest@-example.com", "a..b@example.com",
    "guest@example.com, other@example.com", "x" * 65 + "@example.com",
])
async def test_malformed_addresses_are_refused(db: Database, address: str) -> None:
    store = await create_store(db)
    with pytest.raises(ChatsError) as err:
        await _queue(db, store.store_id, to_addr=address)
    assert err.value.key == "error.email_invalid"


@pytest.mark.parametrize("subject", ["Hi\nBcc: x@y.z", "Hi\r\nBcc: x@y.z", "Hi\x1b[31m"])
async def test_subjects_with_control_characters_are_refused(db: Database, subject: str) -> None:
    store = await create_store(db)
    with pytest.raises(ChatsError) as err:
        await _queue(db, store.store_id, subject=subject)
    assert err.value.key == "error.header_injection"


async def test_same_cause_queues_one_mail_with_a_stable_message_id(db: Database) -> None:
    store = await create_store(db)
    first = await _queue(db, store.store_id, dedupe_key="unread:m1", to_addr=" a.b+c@example.com ")
    again = await _queue(db, store.store_id, dedupe_key="unread:m1")
    assert first is not None and again is None
    [row] = await outbox_rows(db)
    assert row.to_addr == "a.b+c@example.com"
    assert row.status == "pending" and row.attempts == 0
    assert row.message_id == f"<{row.id}@localhost>"


async def test_a_duplicate_leaves_the_callers_transaction_usable(db: Database) -> None:
    store = await create_store(db)
    await _queue(db, store.store_id, dedupe_key="left:c1:s1")
    async with db.write() as session:
        assert await queue_mail(session, store_id=store.store_id, dedupe_key="left:c1:s1",
                                to_addr="a@example.com", subject="s", body_text="b") is None
        row = await session.get(Store, store.store_id)
        assert row is not None
        row.name = "renamed in the same transaction"
        await session.commit()
    async with db.read() as session:
        assert await session.scalar(select(Store.name)) == "renamed in the same transaction"


async def test_unread_notification_to_the_guest(db: Database, settings: Settings) -> None:
    store = await create_store(db, name="茶房みどり")
    guest = await add_guest(db, store_id=store.store_id, email="hanako@example.jp")
    mail = await notify_unread(db, settings, store_id=store.store_id, guest=guest,
                               message_id="msg1")
    assert mail is not None
    assert mail.to_addr == "hanako@example.jp"
    assert mail.dedupe_key == "unread:msg1"
    assert mail.subject == "茶房みどり から未読のメッセージが届いています"
    assert mail.message_id == f"<{mail.id}@127.0.0.1>"


@pytest.mark.parametrize("email", [None, "", "not-an-address", "a@b.c\r\nBcc: x@y.z", 42])
async def test_no_unread_notification_without_a_valid_address(
    db: Database, settings: Settings, email: object
) -> None:
    store = await create_store(db)
    guest = await add_guest(db, store_id=store.store_id, email=None)
    async with db.write() as session:
        row = await session.get(Guest, guest.guest_id)
        assert row is not None
        row.profile = {"email": email} if email is not None else {}
        await session.commit()
    assert await notify_unread(db, settings, store_id=store.store_id, guest=guest) is None
    assert await outbox_count(db) == 0


async def test_per_guest_limit(db: Database, settings: Settings) -> None:
    store = await create_store(db)
    guest = await add_guest(db, store_id=store.store_id)
    other = await add_guest(db, store_id=store.store_id, email="other@example.com")
    for _ in range(GUEST_MAILS_PER_HOUR):
        assert await notify_unread(db, settings, store_id=store.store_id, guest=guest)
    assert await notify_unread(db, settings, store_id=store.store_id, guest=guest) is None
    # Another guest of the same store is not held back by the first one's limit.
    assert await notify_unread(db, settings, store_id=store.store_id, guest=other)
    assert await outbox_count(db) == GUEST_MAILS_PER_HOUR + 1


async def test_per_store_limit(db: Database) -> None:
    store = await create_store(db)
    for i in range(3):
        assert await _queue_limited(db, store.store_id, f"g{i}@example.com")
    assert await _queue_limited(db, store.store_id, "g9@example.com") is None


async def _queue_limited(db: Database, store_id: str, address: str) -> MailOutbox | None:
    async with db.write() as session:
        mail = await queue_mail(session, store_id=store_id, dedupe_key=new_id(), to_addr=address,
                                subject="s", body_text="b", store_limit=3)
        await session.commit()
        return mail


async def test_left_message_goes_to_opted_in_active_staff_only(
    db: Database, settings: Settings
) -> None:
    store = await create_store(db)
    wanted = await add_notified_staff(db, store_id=store.store_id, email="ok@example.com")
    await add_notified_staff(db, store_id=store.store_id, email="no@example.com", notify=False)
    await add_notified_staff(db, store_id=store.store_id, email="gone@example.com", active=False)
    await add_notified_staff(db, store_id=store.store_id, email=None)
    await add_notified_staff(db, store_id=store.store_id, email="bad\r\n@example.com")
    elsewhere = await create_store(db)
    await add_notified_staff(db, store_id=elsewhere.store_id, email="other@example.com")
    mails = await notify_left(db, settings, store_id=store.store_id, conversation_id="c1",
                              nickname="太郎", text="在庫はありますか？")
    assert [(m.to_addr, m.dedupe_key) for m in mails] == [("ok@example.com", f"left:c1:{wanted}")]
    again = await notify_left(db, settings, store_id=store.store_id, conversation_id="c1",
                              nickname="太郎", text="在庫はありますか？")
    assert again == []
    assert await outbox_count(db) == 1


async def test_nickname_line_breaks_do_not_reach_the_subject(
    db: Database, settings: Settings
) -> None:
    store = await create_store(db)
    await add_notified_staff(db, store_id=store.store_id, email="ok@example.com", locale="en")
    [mail] = await notify_left(db, settings, store_id=store.store_id, conversation_id="c1",
                               nickname="Eve\r\nBcc: victim@example.com\u2028x", text="hi")
    assert mail.subject == "New message from Eve Bcc: victim@example.com x"
    assert "Eve Bcc: victim@example.com x left a message" in mail.body_text


async def test_concurrent_duplicates_queue_one_mail(db: Database, settings: Settings) -> None:
    store = await create_store(db)
    other = Database(settings.effective_database_url)
    try:
        async with db.write() as first:
            assert await queue_mail(first, store_id=store.store_id, dedupe_key="unread:race",
                                    to_addr="a@example.com", subject="s", body_text="b")
            # The second writer starts while the first row is not committed yet: on
            # PostgreSQL it waits on the unique key, on SQLite for the write lock.
            second = asyncio.create_task(_queue_in(other, store.store_id, "unread:race"))
            if not db.is_sqlite:
                await wait_for(lambda: _lock_waiters(db), timeout=10)
            await first.commit()
        assert await second is None
    finally:
        await other.dispose()
    assert await outbox_count(db) == 1


async def _queue_in(database: Database, store_id: str, key: str) -> MailOutbox | None:
    async with database.write() as session:
        mail = await queue_mail(session, store_id=store_id, dedupe_key=key,
                                to_addr="a@example.com", subject="s", body_text="b")
        # The caller's transaction is still usable after the conflict.
        await session.execute(select(1))
        await session.commit()
        return mail


async def _lock_waiters(db: Database) -> bool:
    async with db.read() as session:
        waiting = await session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ))
    return bool(waiting)


async def test_unread_notification_to_an_address_given_by_the_caller(
    db: Database, settings: Settings
) -> None:
    store = await create_store(db)
    guest = await add_guest(db, store_id=store.store_id, email=None)
    async with db.write() as session:
        store_row = await session.get(Store, store.store_id)
        guest_row = await session.get(Guest, guest.guest_id)
        assert store_row is not None and guest_row is not None
        mail = await queue_unread_notification(
            session, settings=settings, store=store_row, guest=guest_row,
            conversation_id=guest.conversation_id, message_id="m1",
            to_addr="contact@example.org",
        )
        await session.commit()
    assert mail is not None and mail.to_addr == "contact@example.org"


async def test_a_left_message_without_a_nickname(db: Database, settings: Settings) -> None:
    store = await create_store(db)
    await add_notified_staff(db, store_id=store.store_id, email="ok@example.com")
    [mail] = await notify_left(db, settings, store_id=store.store_id, conversation_id="c1",
                               nickname=" \r\n ", text="hi")
    assert mail.subject == "ゲスト さんからメッセージが届きました"


async def test_a_left_message_from_a_name_with_its_honorific(db: Database,
                                                             settings: Settings) -> None:
    store = await create_store(db)
    await add_notified_staff(db, store_id=store.store_id, email="ok@example.com")
    [mail] = await notify_left(db, settings, store_id=store.store_id, conversation_id="c1",
                               nickname="客3号 さん", text="hi")
    assert mail.subject == "客3号 さんからメッセージが届きました"
