"""Webhook deliveries (issue 17 item 3): every event signed (Standard Webhooks, verified with its
library), retried through a slow, failing and refusing receiver until it recovers, the log and
"send again", the address checked at delivery time, an endpoint switched off after a day."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import MailOutbox, Staff, Webhook, WebhookDelivery
from chats.domain.webhooks import WebhookEvent
from chats.ops.stores import set_suspended
from chats.services import webhooks
from chats.services.webhook_delivery import WebhookDeliverer
from tests.api.test_api_tokens import make_token
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.mail.conftest import close_context, open_context
from tests.realtime.clients import Guest
from tests.realtime.clients import Staff as StaffSocket
from tests.servers import InProcessApp, Site, ThreadServer, wait_for
from tests.webhooks.helpers import add_webhook, blacklist_new_guest, deliveries
from tests.webhooks.receiver import Receiver


async def test_every_event_is_delivered_signed_and_nothing_crosses_stores(
        server: ThreadServer, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    other = Receiver().start()
    try:
        async with staff_client(server, s.a.admin_login) as admin, \
                staff_client(server, s.b.admin_login) as admin_b:
            _, secret = await add_webhook(admin, receiver.url)
            await add_webhook(admin_b, other.url)
            agent = await StaffSocket.connect(server.url, server.ws_url, s.agent_login)
            chat = await open_chat(server, s.a, s.a.admin_login, nickname="はなこ")
            await chat.guest.say("こんにちは")
            await chat.staff.say(chat.conversation_id, "いらっしゃいませ")
            await chat.staff.send({"type": "transfer", "conversation_id": chat.conversation_id,
                                   "to_staff_id": s.agent_id})
            await agent.expect("conversation", lambda f: f["id"] == chat.conversation_id
                               and f["staff_id"] == s.agent_id)
            await agent.send({"type": "end", "conversation_id": chat.conversation_id})
            await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
            await blacklist_new_guest(db, admin, s.a.store_id)
            for client in (chat.guest, chat.staff, agent):
                await client.close()
        expected = {"conversation.created": 1, "conversation.claimed": 1,
                    "conversation.transferred": 1, "conversation.ended": 1,
                    "message.created": 2, "guest.blacklisted": 1}
        await wait_for(lambda: receiver.count() >= sum(expected.values()), timeout=15)
        payloads = [r.verified(secret) for r in receiver.received]
        got = {event: sum(1 for p in payloads if p["type"] == event) for event in expected}
        assert got == expected
        [created] = [p for p in payloads if p["type"] == "conversation.created"]
        assert created["data"]["conversation"]["id"] == chat.conversation_id
        assert created["data"]["conversation"]["nickname"] == "はなこ"
        texts = [p["data"]["message"]["text"] for p in payloads if p["type"] == "message.created"]
        assert sorted(texts) == ["いらっしゃいませ", "こんにちは"]
        [moved] = [p for p in payloads if p["type"] == "conversation.transferred"]
        assert moved["data"]["conversation"]["staff_id"] == s.agent_id
        assert moved["data"]["conversation"]["from_staff_id"] == s.a.admin_id
        rows = {r.id for r in await deliveries(db) if r.store_id == s.a.store_id}
        assert {r.headers["webhook-id"] for r in receiver.received} == rows
        assert all(r.headers["content-type"] == "application/json" for r in receiver.received)
        # A wrong secret does not verify: the test can fail.
        other_secret = "whsec_" + "A" * 32
        try:
            receiver.received[0].verified(other_secret)
        except Exception as exc:
            assert "signature" in str(exc).lower()
        else:
            raise AssertionError("a wrong secret verified")
        assert other.count() == 0
    finally:
        other.stop()


async def test_a_message_left_while_away_is_delivered(
        server: ThreadServer, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with staff_client(server, s.a.admin_login) as admin:
        _, secret = await add_webhook(admin, receiver.url, ["message.left_while_away"])
    guest = await Guest.connect(server.ws_url, s.a.widget_key)
    try:
        await guest.send({"type": "leave_message", "client_msg_id": "m1", "nickname": "たろう",
                          "email": "taro@example.jp", "text": "在庫はありますか"})
        await guest.expect("ack")
    finally:
        await guest.close()
    await wait_for(lambda: receiver.count() == 1, timeout=10)
    payload = receiver.received[0].verified(secret)
    assert payload["type"] == "message.left_while_away"
    assert payload["data"]["message"]["text"] == "在庫はありますか"
    assert payload["data"]["email"] == "taro@example.jp"


async def _log(admin: httpx.AsyncClient, hook_id: str) -> list[dict[str, object]]:
    r = await admin.get(f"/api/admin/webhooks/{hook_id}/deliveries")
    assert r.status_code == 200, r.text
    found: list[dict[str, object]] = r.json()["deliveries"]
    return found


async def test_delivery_survives_a_failing_then_refusing_receiver_and_is_logged(
        web: Site, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        hook_id, secret = await add_webhook(admin, receiver.url, ["guest.blacklisted"])
        receiver.mode = "fail"
        await blacklist_new_guest(db, admin, s.a.store_id)
        await wait_for(lambda: receiver.count() >= 2, timeout=10)
        [line] = await _log(admin, hook_id)
        assert line["status"] == "pending" and line["response_code"] == 500
        assert str(line["response_excerpt"]).startswith("boom")
        listed = (await admin.get("/api/admin/webhooks")).json()["webhooks"][0]
        assert listed["failing_since"] is not None and listed["active"] is True
        # Connections refused now: retried on, the error written down.
        receiver.stop()
        before = int(str((await _log(admin, hook_id))[0]["attempts"]))

        async def refused_once() -> bool:
            [line] = await _log(admin, hook_id)
            return int(str(line["attempts"])) > before and "Connect" in str(line["error"])
        await wait_for(refused_once, timeout=15)
        receiver.mode = "ok"
        receiver.start()

        async def delivered() -> bool:
            return (await _log(admin, hook_id))[0]["status"] == "delivered"
        await wait_for(delivered, timeout=20)
        [line] = await _log(admin, hook_id)
        assert line["response_code"] == 200 and line["delivered_at"] is not None
        assert line["next_attempt_at"] is None
        ids = {r.headers["webhook-id"] for r in receiver.received}
        assert ids == {line["id"]}  # one webhook-id on every attempt
        assert receiver.received[-1].verified(secret)["type"] == "guest.blacklisted"
        listed = (await admin.get("/api/admin/webhooks")).json()["webhooks"][0]
        assert listed["failing_since"] is None
        # "Send again": the same delivery, once more.
        count = receiver.count()
        r = await admin.post(f"/api/admin/webhooks/{hook_id}/deliveries/{line['id']}/resend")
        assert r.status_code == 200 and r.json()["status"] == "pending"
        await wait_for(lambda: receiver.count() == count + 1, timeout=10)
        await wait_for(delivered, timeout=10)
        assert receiver.received[-1].headers["webhook-id"] == line["id"]
        r = await admin.post(f"/api/admin/webhooks/{hook_id}/deliveries/nope/resend")
        assert r.status_code == 404


async def test_a_slow_receiver_holds_up_neither_chats_nor_other_endpoints(
        web: Site, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    fast = Receiver().start()
    try:
        async with staff_client(web, s.a.admin_login) as admin:
            slow_id, _ = await add_webhook(admin, receiver.url, ["guest.blacklisted"])
            fast_id, _ = await add_webhook(admin, fast.url, ["guest.blacklisted"])
            receiver.mode = "hold"
            await blacklist_new_guest(db, admin, s.a.store_id)
            assert await _wait_arrived(receiver)
            # While the slow receiver sits on its delivery, the store keeps working and
            # the other endpoint gets both events.
            await blacklist_new_guest(db, admin, s.a.store_id)

            async def fast_done() -> bool:
                return [d["status"] for d in await _log(admin, fast_id)] == ["delivered"] * 2
            await wait_for(fast_done, timeout=10)
            assert not receiver.release.is_set() and receiver.count() >= 1
            receiver.mode = "ok"
            receiver.release.set()

            async def slow_done() -> bool:
                return [d["status"] for d in await _log(admin, slow_id)] == ["delivered"] * 2
            await wait_for(slow_done, timeout=15)
        assert len({r.headers["webhook-id"] for r in receiver.received}) == 2
        assert fast.count() == 2
    finally:
        fast.stop()


async def _wait_arrived(receiver: Receiver) -> bool:
    await wait_for(receiver.arrived.is_set, timeout=10)
    return True


async def test_the_address_is_checked_again_at_delivery_time(
        settings: Settings, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with InProcessApp(settings) as app, staff_client(app, s.a.admin_login) as admin:
        hook_id, _ = await add_webhook(admin, receiver.url, ["guest.blacklisted"])
    strict = settings.model_copy(update={"webhooks_allow_private": False})
    async with InProcessApp(strict) as app, staff_client(app, s.a.admin_login) as admin:
        await blacklist_new_guest(db, admin, s.a.store_id)

        async def refused() -> bool:
            rows = await deliveries(db)
            return bool(rows) and rows[0].last_error == "error.webhook_private"
        await wait_for(refused, timeout=10)
        [line] = await _log(admin, hook_id)
        assert line["status"] == "pending" and line["response_code"] is None
    assert receiver.count() == 0


async def test_an_endpoint_failing_for_a_day_is_switched_off_and_the_admins_told(
        settings: Settings, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with db.write() as session:
        await session.execute(update(Staff).where(Staff.id == s.a.admin_id)
                              .values(email="owner@example.jp"))
        await session.commit()
    receiver.mode = "fail"
    async with InProcessApp(settings) as app, staff_client(app, s.a.admin_login) as admin:
        hook_id, _ = await add_webhook(admin, receiver.url, ["guest.blacklisted"])
        await blacklist_new_guest(db, admin, s.a.store_id)
        await wait_for(lambda: receiver.count() >= 1, timeout=10)
    [row] = await deliveries(db)
    ctx = await open_context(settings, process_id="a-day-later")
    try:
        later = row.created_at + timedelta(hours=24, minutes=5)
        deliverer = WebhookDeliverer(ctx, clock=lambda: later)
        await deliverer.start()  # opens its HTTP client; the loop works on the same clock
        await wait_for(_switched_off(db, hook_id), timeout=10)
        await deliverer.stop()
    finally:
        await close_context(ctx)
    [row] = await deliveries(db)
    assert row.status == "failed"
    async with db.read() as session:
        mails = list(await session.scalars(select(MailOutbox)))
    assert [m.to_addr for m in mails] == ["owner@example.jp"]
    assert "停止" in mails[0].subject
    async with InProcessApp(settings) as app, staff_client(app, s.a.admin_login) as admin:
        [listed] = (await admin.get("/api/admin/webhooks")).json()["webhooks"]
        assert listed["active"] is False and listed["disabled_at"] is not None
        # Switched on again by the admin: its failure state is cleared.
        r = await admin.patch(f"/api/admin/webhooks/{hook_id}", json={"active": True})
        assert r.json()["disabled_at"] is None and r.json()["failing_since"] is None


def _switched_off(db: Database, hook_id: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        async with db.read() as session:
            hook = await session.get(Webhook, hook_id)
            pending = await session.scalar(select(WebhookDelivery.id).where(
                WebhookDelivery.status == "pending"))
        return hook is not None and not hook.active and pending is None
    return check


async def test_only_what_is_stored_is_queued(
        server: ThreadServer, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with staff_client(server, s.a.admin_login) as admin:
        await add_webhook(admin, receiver.url, ["message.created", "conversation.claimed"])
    chat = await open_chat(server, s.a, s.a.admin_login)
    try:
        await chat.guest.say("一度だけ", client_msg_id="same")
        await chat.guest.say("一度だけ", client_msg_id="same")  # a repeat: acked, not stored
        await chat.staff.say(chat.conversation_id, "はい", client_msg_id="s1")
        await chat.staff.say(chat.conversation_id, "はい", client_msg_id="s1")
        # A second claim of the chat is refused: its transaction, and any delivery, undone.
        await chat.staff.send({"type": "claim", "conversation_id": chat.conversation_id})
        await chat.staff.expect("error")
    finally:
        await chat.guest.close()
        await chat.staff.close()
    rows = await deliveries(db)
    assert sorted(r.event for r in rows) == ["conversation.claimed", "message.created",
                                             "message.created"]
    await wait_for(lambda: receiver.count() == 3, timeout=10)


async def test_an_answer_too_slow_counts_as_a_failure_and_is_retried(
        settings: Settings, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    receiver.mode = "fail"
    async with InProcessApp(settings) as app, staff_client(app, s.a.admin_login) as admin:
        await add_webhook(admin, receiver.url, ["guest.blacklisted"])
        await blacklist_new_guest(db, admin, s.a.store_id)
        await wait_for(lambda: receiver.count() >= 1, timeout=10)
    receiver.mode = "hold"
    receiver.arrived.clear()
    ctx = await open_context(settings, process_id="impatient")
    deliverer = WebhookDeliverer(ctx, timeout_seconds=0.5, poll_seconds=0.05)
    try:
        await deliverer.start()

        async def timed_out() -> bool:
            [row] = await deliveries(db)
            return row.last_error == "no answer within 0.5 s" and row.status == "pending"
        await wait_for(timed_out, timeout=10)
        receiver.mode = "ok"
        receiver.release.set()

        async def delivered() -> bool:
            [row] = await deliveries(db)
            return row.status == "delivered"
        await wait_for(delivered, timeout=10)
    finally:
        await deliverer.stop()
        await close_context(ctx)


async def test_the_log_keeps_thirty_days(
        settings: Settings, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with InProcessApp(settings) as app, staff_client(app, s.a.admin_login) as admin:
        hook_id, _ = await add_webhook(admin, receiver.url, ["guest.blacklisted"])
        for _ in range(3):
            await blacklist_new_guest(db, admin, s.a.store_id)

        async def delivered() -> bool:
            return [d["status"] for d in await _log(admin, hook_id)] == ["delivered"] * 3
        await wait_for(delivered, timeout=10)
    rows = await deliveries(db)
    async with db.write() as session:  # one old, one old but still pending, one new
        await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == rows[0].id)
                              .values(created_at=rows[0].created_at - timedelta(days=31)))
        await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == rows[1].id)
                              .values(created_at=rows[1].created_at - timedelta(days=31),
                                      status="pending",
                                      next_attempt_at=rows[1].created_at + timedelta(days=9)))
        await session.commit()
    ctx = await open_context(settings)
    try:
        assert await WebhookDeliverer(ctx).purge() == 1
    finally:
        await close_context(ctx)
    assert [r.id for r in await deliveries(db)] == [rows[1].id, rows[2].id]


async def test_erasing_a_guest_deletes_the_deliveries_that_carry_its_words(
        web: Site, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        await add_webhook(admin, receiver.url, ["guest.blacklisted"])
        guest_id = await blacklist_new_guest(db, admin, s.a.store_id)
        await wait_for(lambda: receiver.count() >= 1, timeout=10)
        assert any("迷惑な客" in (row.body or "") for row in await deliveries(db))
        r = await admin.post(f"/api/admin/guests/{guest_id}/erase")
        assert r.status_code == 200, r.text
        left = await deliveries(db)
        assert not any("迷惑な客" in (row.body or "") for row in left)
        assert not [row for row in left if row.subject_id == guest_id]


async def test_an_event_nudged_before_its_commit_is_sent_without_waiting_for_the_poll(
        settings: Settings, db: Database, receiver: Receiver) -> None:
    # The deliverer hears of an event when it is queued, inside the transaction; on
    # PostgreSQL its claim cannot see the row until that commits. It must look again
    # soon after, not sleep until its poll (an hour here).
    s = await two_stores(db)
    async with InProcessApp(settings) as app, staff_client(app, s.a.admin_login) as admin:
        await add_webhook(admin, receiver.url, ["guest.blacklisted"])
    ctx = await open_context(settings, process_id="nudged-early")
    deliverer = WebhookDeliverer(ctx, poll_seconds=3600)
    try:
        await deliverer.start()
        async with ctx.unit_of_work() as uow:
            await webhooks.queue(uow.session, store_id=s.a.store_id,
                                 event=WebhookEvent.GUEST_BLACKLISTED, subject_id="g-early",
                                 data={"guest_id": "g-early"})
            await asyncio.sleep(0.15)  # a transaction that commits a moment after the nudge
        await wait_for(lambda: receiver.count("guest.blacklisted") == 1, timeout=10)
    finally:
        await deliverer.stop()
        await close_context(ctx)
    [row] = await deliveries(db)
    assert row.status == "delivered" and row.attempts == 1


async def test_a_suspended_store_is_shut_to_its_integrations_until_it_resumes(
        settings: Settings, db: Database, receiver: Receiver) -> None:
    # The operator suspends a store: its API tokens are refused like revoked ones and its
    # webhook deliveries wait; another store's go on. Resumed, both work again.
    s = await two_stores(db)
    other = Receiver().start()
    try:
        async with InProcessApp(settings) as app:
            async with staff_client(app, s.a.admin_login) as admin, \
                    staff_client(app, s.b.admin_login) as admin_b:
                await add_webhook(admin, receiver.url, ["guest.blacklisted"])
                await add_webhook(admin_b, other.url, ["guest.blacklisted"])
                token = await make_token(admin)
            ctx = app.app.state.ctx
            deliverer = ctx.webhooks
            assert deliverer is not None
            await set_suspended(settings, s.a.store_id, suspended=True)
            for store_id, subject in ((s.a.store_id, "g-a"), (s.b.store_id, "g-b")):
                async with ctx.unit_of_work() as uow:
                    await webhooks.queue(uow.session, store_id=store_id,
                                         event=WebhookEvent.GUEST_BLACKLISTED,
                                         subject_id=subject, data={"guest_id": subject})
            async with app.client() as api:
                api.headers["Authorization"] = f"Bearer {token}"
                refused = await api.get("/api/v1/conversations")
                assert refused.status_code == 401
                assert refused.json()["error"]["code"] == "unauthorized"
                # The other store's delivery goes out while A's waits.
                await wait_for(lambda: other.count("guest.blacklisted") == 1, timeout=10)
                await deliverer.drain()
                assert receiver.count() == 0
                async with db.read() as session:
                    waiting = await session.scalar(
                        select(WebhookDelivery.status)
                        .where(WebhookDelivery.store_id == s.a.store_id))
                assert waiting == "pending"
                await set_suspended(settings, s.a.store_id, suspended=False)
                deliverer.wake()
                await wait_for(lambda: receiver.count("guest.blacklisted") == 1, timeout=10)
                assert (await api.get("/api/v1/conversations")).status_code == 200
    finally:
        other.stop()
