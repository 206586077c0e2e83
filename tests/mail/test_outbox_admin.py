"""The admin's outbox over HTTP against a real SMTP server: send again, discard, scoping."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from chats.config import Settings
from chats.context import AppContext
from chats.db.engine import Database
from chats.db.models import MailOutbox
from chats.ids import new_id
from chats.mail.sender import MailSender
from tests.api.helpers import login
from tests.factories import create_staff, create_store
from tests.mail.conftest import SmtpServer
from tests.mail.helpers import add_guest, notify_unread
from tests.servers import wait_for

OPEN = {"status": ["failed", "pending"]}


async def _status(db: Database, mail_id: str, status: str) -> bool:
    async with db.read() as session:
        found = await session.scalar(select(MailOutbox.status).where(MailOutbox.id == mail_id))
        return found == status


async def _queue(db: Database, settings: Settings, store_id: str) -> str:
    guest = await add_guest(db, store_id=store_id, email=f"{new_id()}@example.com")
    mail = await notify_unread(db, settings, store_id=store_id, guest=guest)
    assert mail is not None
    return mail.id


async def test_a_refused_mail_fails_and_send_again_delivers_it_once(
    client: httpx.AsyncClient, db: Database, ctx: AppContext, smtp_settings: Settings,
    smtp: SmtpServer,
) -> None:
    store = await create_store(db)
    smtp.mailbox.refuse = "550 5.7.1 Relaying denied"
    mail_id = await _queue(db, smtp_settings, store.store_id)
    sender = MailSender(ctx)
    await sender.run_once()
    await wait_for(lambda: _status(db, mail_id, "failed"))
    await login(client, store.admin_login)
    [row] = (await client.get("/api/outbox", params=OPEN)).json()["mails"]
    assert (row["id"], row["status"], row["attempts"]) == (mail_id, "failed", 1)
    assert "550" in row["last_error"] and "Relaying denied" in row["last_error"]
    assert row["created_at"] and row["sent_at"] is None
    # The mail server accepts again; the admin sends it again.
    smtp.mailbox.refuse = None
    r = await client.post(f"/api/outbox/{mail_id}/retry")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["attempts"]) == ("pending", 0)
    [entry] = (await client.get("/api/admin/audit")).json()["entries"]
    assert (entry["action"], entry["target_id"]) == ("mail.retried", mail_id)
    await sender.run_once()
    [got] = await smtp.mailbox.wait_for(1)
    assert got.message["Message-ID"] == row["message_id"]
    await wait_for(lambda: _status(db, mail_id, "sent"))
    assert (await client.get("/api/outbox", params=OPEN)).json()["mails"] == []
    [sent] = (await client.get("/api/outbox", params={"status": "sent"})).json()["mails"]
    assert sent["id"] == mail_id and sent["sent_at"] is not None
    assert await sender.run_once() == 0
    assert len(smtp.mailbox.received) == 1


async def test_discard_takes_pending_and_failed_mails_off_the_list_unsent(
    client: httpx.AsyncClient, db: Database, ctx: AppContext, smtp_settings: Settings,
    smtp: SmtpServer,
) -> None:
    store = await create_store(db)
    smtp.mailbox.refuse = "550 5.1.1 No such user"
    failed = await _queue(db, smtp_settings, store.store_id)
    sender = MailSender(ctx)
    await sender.run_once()
    await wait_for(lambda: _status(db, failed, "failed"))
    # A temporary refusal leaves the next mail pending, with a later attempt.
    smtp.mailbox.refuse = "451 4.3.0 Try again later"
    pending = await _queue(db, smtp_settings, store.store_id)
    await sender.run_once()

    async def retried() -> bool:
        async with db.read() as session:
            row = await session.get(MailOutbox, pending)
            return row is not None and row.attempts == 1 and row.locked_by is None

    await wait_for(retried)
    await login(client, store.admin_login)
    listed = (await client.get("/api/outbox", params=OPEN)).json()["mails"]
    assert {(m["id"], m["status"]) for m in listed} == {(failed, "failed"),
                                                       (pending, "pending")}
    assert next(m for m in listed if m["id"] == pending)["next_attempt_at"] is not None
    for mail_id in (pending, failed):
        r = await client.post(f"/api/outbox/{mail_id}/discard")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "discarded"
    assert (await client.get("/api/outbox", params=OPEN)).json()["mails"] == []
    assert (await client.get("/api/outbox")).json()["mails"] == []
    # Gone for good: neither sent again nor discarded twice, and the sender skips it.
    for action in ("retry", "discard"):
        r = await client.post(f"/api/outbox/{failed}/{action}")
        assert (r.status_code, r.json()["error"]["code"]) == (409, "conflict")
    smtp.mailbox.refuse = None
    async with db.write() as session:
        row = await session.get(MailOutbox, pending)
        assert row is not None
        row.next_attempt_at = row.created_at
        await session.commit()
    assert await sender.run_once() == 0
    assert smtp.mailbox.received == []
    assert await _status(db, pending, "discarded")
    # Each discard is in the audit log, once.
    entries = (await client.get("/api/admin/audit")).json()["entries"]
    assert [(e["action"], e["target_id"]) for e in entries] == [
        ("mail.discarded", failed), ("mail.discarded", pending)]
    assert entries[0]["actor_name"] == store.admin_login


async def test_discard_is_for_the_stores_own_admins(
    client: httpx.AsyncClient, db: Database, smtp_settings: Settings, smtp: SmtpServer
) -> None:
    store = await create_store(db)
    other = await create_store(db)
    smtp.mailbox.refuse = "550 5.1.1 No such user"  # whatever the app's sender does, none goes
    theirs = await _queue(db, smtp_settings, other.store_id)
    ours = await _queue(db, smtp_settings, store.store_id)
    assert (await client.post(f"/api/outbox/{ours}/discard")).status_code == 401
    await create_staff(db, store_id=store.store_id, login_id="outbox-agent")
    await login(client, "outbox-agent")
    r = await client.post(f"/api/outbox/{ours}/discard")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    await login(client, store.admin_login)
    missing = await client.post(f"/api/outbox/{new_id()}/discard")
    foreign = await client.post(f"/api/outbox/{theirs}/discard")
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json()
    assert not await _status(db, theirs, "discarded")
    no_csrf = await client.post(f"/api/outbox/{ours}/discard", headers={"X-CSRF-Token": ""})
    assert no_csrf.status_code == 403
    assert not await _status(db, ours, "discarded")
    assert (await client.post(f"/api/outbox/{ours}/discard")).status_code == 200
