"""The admin's outbox view and the guest panel's mail-link check, over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from chats.config import Settings
from chats.context import AppContext
from chats.db.engine import Database
from chats.db.models import MailOutbox
from chats.ids import new_id
from chats.mail.links import sign_mail_link
from chats.mail.outbox import queue_mail
from chats.mail.sender import MailSender
from tests.api.helpers import login
from tests.conftest import SECRET
from tests.factories import create_staff, create_store
from tests.mail.conftest import SmtpServer
from tests.mail.helpers import add_guest, notify_unread
from tests.servers import wait_for


async def _queue_many(db: Database, store_id: str, n: int, status: str = "pending") -> None:
    async with db.write() as session:
        for i in range(n):
            mail = await queue_mail(session, store_id=store_id, dedupe_key=new_id(),
                                    to_addr=f"g{i}@example.com", subject=f"mail {i}",
                                    body_text="b", store_limit=1000)
            assert mail is not None
            mail.status = status
        await session.commit()


async def test_outbox_needs_an_admin(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db)
    assert (await client.get("/api/outbox")).status_code == 401
    assert (await client.post(f"/api/outbox/{new_id()}/retry")).status_code == 401
    await create_staff(db, store_id=store.store_id, login_id="mail-agent")
    await login(client, "mail-agent")
    r = await client.get("/api/outbox")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert (await client.post(f"/api/outbox/{new_id()}/retry")).status_code == 403


async def test_outbox_lists_the_admins_store_only_with_paging(
    client: httpx.AsyncClient, db: Database
) -> None:
    store = await create_store(db)
    other = await create_store(db)
    await _queue_many(db, store.store_id, 51)
    await _queue_many(db, store.store_id, 2, status="failed")
    await _queue_many(db, other.store_id, 3)
    await login(client, store.admin_login)
    first = (await client.get("/api/outbox")).json()
    assert (len(first["mails"]), first["page"], first["has_more"]) == (50, 1, True)
    second = (await client.get("/api/outbox", params={"page": 2})).json()
    assert (len(second["mails"]), second["has_more"]) == (3, False)
    ids = {m["id"] for m in first["mails"] + second["mails"]}
    assert len(ids) == 53
    failed = (await client.get("/api/outbox", params={"status": "failed"})).json()
    assert [m["status"] for m in failed["mails"]] == ["failed", "failed"]
    mail = failed["mails"][0]
    assert set(mail) >= {"id", "to_addr", "subject", "status", "attempts", "last_error",
                         "created_at", "sent_at", "message_id"}
    assert (await client.get("/api/outbox", params={"status": "lost"})).status_code == 422
    assert (await client.get("/api/outbox", params={"page": 0})).status_code == 422


async def test_retry_sends_a_failed_mail_again(
    client: httpx.AsyncClient, db: Database, ctx: AppContext, smtp_settings: Settings,
    smtp: SmtpServer,
) -> None:
    store = await create_store(db)
    guest = await add_guest(db, store_id=store.store_id, email="nobody@example.com")
    mail = await notify_unread(db, smtp_settings, store_id=store.store_id, guest=guest)
    assert mail is not None
    sender = MailSender(ctx)
    await sender.run_once()
    await wait_for(lambda: _status(db, mail.id, "failed"))
    await login(client, store.admin_login)
    [row] = (await client.get("/api/outbox", params={"status": "failed"})).json()["mails"]
    assert row["id"] == mail.id and "550" in row["last_error"]
    # The address was fixed on the mail server's side; the admin retries.
    async with db.write() as session:
        await session.execute(update(MailOutbox).values(to_addr="hanako@example.com"))
        await session.commit()
    r = await client.post(f"/api/outbox/{mail.id}/retry")
    assert r.status_code == 200, r.text
    assert r.json()["attempts"] == 0
    await sender.run_once()
    [got] = await smtp.mailbox.wait_for(1)
    assert got.rcpt_tos == ["hanako@example.com"]
    await wait_for(lambda: _status(db, mail.id, "sent"))
    [row] = (await client.get("/api/outbox", params={"status": "sent"})).json()["mails"]
    assert row["id"] == mail.id
    assert (await client.post(f"/api/outbox/{mail.id}/retry")).status_code == 409
    assert await sender.run_once() == 0
    assert len(smtp.mailbox.received) == 1


async def _status(db: Database, mail_id: str, status: str) -> bool:
    async with db.read() as session:
        return await session.scalar(select(MailOutbox.status).where(
            MailOutbox.id == mail_id)) == status


async def test_retry_is_scoped_and_csrf_protected(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db)
    other = await create_store(db)
    await _queue_many(db, other.store_id, 1, status="failed")
    await _queue_many(db, store.store_id, 1, status="failed")
    await login(client, store.admin_login)
    theirs = await _only_id(db, other.store_id)
    ours = await _only_id(db, store.store_id)
    assert (await client.post(f"/api/outbox/{theirs}/retry")).status_code == 404
    assert (await client.post(f"/api/outbox/{new_id()}/retry")).status_code == 404
    no_csrf = await client.post(f"/api/outbox/{ours}/retry", headers={"X-CSRF-Token": ""})
    assert no_csrf.status_code == 403
    assert (await client.post(f"/api/outbox/{ours}/retry")).status_code == 200


async def _only_id(db: Database, store_id: str) -> str:
    async with db.read() as session:
        return str(await session.scalar(select(MailOutbox.id).where(
            MailOutbox.store_id == store_id)))


async def test_mail_link_opens_only_that_guests_conversation(
    client: httpx.AsyncClient, db: Database
) -> None:
    store = await create_store(db)
    other = await create_store(db)
    guest = await add_guest(db, store_id=store.store_id)
    neighbour = await add_guest(db, store_id=store.store_id)
    token = sign_mail_link(SECRET, guest.guest_id, guest.conversation_id, ttl_seconds=60)
    url = f"/api/widget/{store.widget_key}/mail-link"
    r = await client.post(url, json={"token": token})
    assert r.status_code == 200, r.text
    assert r.json() == {"guest_id": guest.guest_id, "conversation_id": guest.conversation_id}
    refused = [
        (f"/api/widget/{other.widget_key}/mail-link", token),
        ("/api/widget/no-such-store/mail-link", token),
        (url, sign_mail_link(SECRET, guest.guest_id, neighbour.conversation_id, ttl_seconds=60)),
        (url, sign_mail_link(SECRET, guest.guest_id, guest.conversation_id, ttl_seconds=-1)),
        (url, sign_mail_link("another-secret-key-123", guest.guest_id, guest.conversation_id,
                             ttl_seconds=60)),
        (url, token[:-2]),
    ]
    for path, bad in refused:
        r = await client.post(path, json={"token": bad})
        assert r.status_code == 404, (path, bad)
        assert r.json()["error"]["code"] == "not_found"
    assert (await client.post(url, json={"token": token, "x": 1})).status_code == 422
