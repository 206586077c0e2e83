"""Privacy requests (issue 17 item 4) through HTTP: an admin exports everything held about a
guest as one ZIP, or erases the guest; both checked in the database and on disk, both in
the audit log, neither crossing stores."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest
from sqlalchemy import select

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import AuditEntry, Conversation, Guest, Message, PageView, Upload
from tests.admin.guest_data import (
    PDF,
    audit_entries,
    close_code,
    count_rows,
    hold,
    release,
    todays_stats,
    upload_path,
)
from tests.api.helpers import login
from tests.databases import PG_URL, REDIS_URL
from tests.factories import StoreInfo, create_guest, create_store
from tests.mail.helpers import add_notified_staff, notify_left, outbox_rows
from tests.realtime.clients import Guest as GuestClient
from tests.realtime.clients import Staff as StaffClient
from tests.servers import ProcessServer, ThreadServer, http_client


async def test_export_is_one_zip_of_everything_held(
    server: ThreadServer, db: Database, settings: Settings, store: StoreInfo,
    admin: httpx.AsyncClient,
) -> None:
    held = await hold(server, store, admin)
    r = await admin.post(f"/api/admin/guests/{held.guest_id}/export")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment")
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    data = json.loads(zf.read("guest.json"))
    assert data["guest"]["id"] == held.guest_id
    assert data["guest"]["nickname"] == "山田太郎"
    assert data["guest"]["notes"] == "常連さん"
    assert data["guest"]["blacklisted"] is False
    [conversation] = data["conversations"]
    assert conversation["id"] == held.conversation_id
    texts = [m["text"] for m in conversation["messages"]]
    assert "電話番号は090-1234-5678です" in texts and "承知しました" in texts
    assert [m["seq"] for m in conversation["messages"]] == \
        list(range(1, len(conversation["messages"]) + 1))
    assert sorted(v["title"] for v in data["page_views"]) == ["カート", "トップ"]
    [described] = data["files"]
    assert described["name"] == "見積書.pdf"
    assert zf.read(described["path"]) == \
        (await upload_path(db, settings, held.upload_id)).read_bytes() == PDF
    assert "山田太郎: 電話番号は090-1234-5678です" in zf.read("transcript.txt").decode()
    [entry] = await audit_entries(db, "guest.exported")
    assert (entry.target_id, entry.store_id) == (held.guest_id, store.store_id)
    assert entry.details["messages"] == len(texts)
    # Exporting changes nothing held.
    assert await count_rows(db, Message, Message.conversation_id == held.conversation_id) == \
        len(texts)
    await release(held)


async def test_export_refuses_strangers_agents_and_missing_csrf(
    server: ThreadServer, db: Database, store: StoreInfo, other_store: StoreInfo,
    admin: httpx.AsyncClient, agent: httpx.AsyncClient,
) -> None:
    held = await hold(server, store, admin)
    url = f"/api/admin/guests/{held.guest_id}/export"
    async with http_client(base_url=server.url) as theirs:
        await login(theirs, other_store.admin_login)
        assert (await theirs.post(url)).status_code == 404
        assert (await theirs.post("/api/admin/guests/nobody/export")).status_code == 404
    assert (await agent.post(url)).status_code == 403
    r = await admin.post(url, headers={"X-CSRF-Token": "not-the-token"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert await audit_entries(db, "guest.exported") == []
    await release(held)


async def test_erasure_removes_the_guest_from_database_and_disk(
    server: ThreadServer, db: Database, settings: Settings, store: StoreInfo,
    admin: httpx.AsyncClient,
) -> None:
    held = await hold(server, store, admin)
    bystander = await hold(server, store, admin, nickname="佐藤花子")
    path = await upload_path(db, settings, held.upload_id)
    kept_path = await upload_path(db, settings, bystander.upload_id)
    assert path.is_file()
    before = await todays_stats(admin)

    r = await admin.post(f"/api/admin/guests/{held.guest_id}/erase")
    assert r.status_code == 200, r.text
    assert r.json() == {"guest_id": held.guest_id, "erased": True, "files_deleted": 1}
    # The open chat was ended for its staff member, and the guest's socket closed.
    await held.chat.staff.expect("conversation", lambda f: f["id"] == held.conversation_id
                                 and f["status"] == "ended")
    assert await close_code(held.chat.guest) == 1008

    cid = held.conversation_id
    assert await count_rows(db, Message, Message.conversation_id == cid) == 0
    assert await count_rows(db, PageView, PageView.guest_id == held.guest_id) == 0
    assert await count_rows(db, Upload, Upload.id == held.upload_id) == 0
    assert not path.exists()
    async with db.read() as session:
        guest = await session.get(Guest, held.guest_id)
        conversation = await session.get(Conversation, cid)
    assert guest is not None and guest.erased_at is not None
    assert (guest.nickname, guest.profile, guest.notes, guest.search_text) == (None, {}, "", "")
    assert conversation is not None and conversation.status == "ended"
    assert conversation.nickname is None
    shown = (await admin.get(f"/api/guests/{held.guest_id}")).json()
    assert shown["erased_at"] and (shown["nickname"], shown["notes"]) == (None, "")
    # The statistics add up as before.
    assert await todays_stats(admin) == before
    # Another guest of the store keeps everything.
    assert await count_rows(db, Message, Message.conversation_id == bystander.conversation_id) >= 3
    assert await count_rows(db, PageView, PageView.guest_id == bystander.guest_id) == 2
    assert kept_path.is_file()
    # The old token no longer finds the guest.
    again = await GuestClient.connect(server.ws_url, store.widget_key, token=held.chat.guest.token)
    assert again.guest_id != held.guest_id
    await again.close()

    [entry] = await audit_entries(db, "guest.erased")
    assert entry.target_id == held.guest_id
    assert entry.details == {"conversations": 1, "files": 1, "messages": entry.details["messages"],
                             "page_views": 2}
    # Idempotent: a second erasure answers the same and records nothing more.
    r = await admin.post(f"/api/admin/guests/{held.guest_id}/erase")
    assert r.status_code == 200 and r.json()["files_deleted"] == 0
    assert len(await audit_entries(db, "guest.erased")) == 1
    await release(held)
    await release(bystander)


async def test_erasure_refuses_another_stores_guest(
    server: ThreadServer, db: Database, settings: Settings, store: StoreInfo,
    other_store: StoreInfo, admin: httpx.AsyncClient, agent: httpx.AsyncClient,
) -> None:
    held = await hold(server, store, admin)
    url = f"/api/admin/guests/{held.guest_id}/erase"
    async with http_client(base_url=server.url) as theirs:
        await login(theirs, other_store.admin_login)
        r = await theirs.post(url)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert (await agent.post(url)).status_code == 403
    assert await count_rows(db, Message, Message.conversation_id == held.conversation_id) >= 3
    assert await count_rows(db, PageView, PageView.guest_id == held.guest_id) == 2
    assert (await upload_path(db, settings, held.upload_id)).is_file()
    assert await audit_entries(db, "guest.erased") == []
    await release(held)


@pytest.mark.skipif(not (PG_URL and REDIS_URL),
                    reason="needs CHATS_TEST_DATABASE_URL and CHATS_TEST_REDIS_URL")
async def test_erasure_through_one_process_closes_the_guest_on_the_other(
    pair: tuple[ProcessServer, ProcessServer], db: Database,
) -> None:
    a, b = pair
    store = await create_store(db)
    staff = await StaffClient.connect(b.url, b.ws_url, store.admin_login)
    guest = await GuestClient.connect(b.ws_url, store.widget_key)
    cid = (await guest.start("二つのプロセス"))["id"]
    await staff.claim(cid)
    await guest.say("消してください")
    async with http_client(base_url=a.url, timeout=10) as admin:
        await login(admin, store.admin_login)
        r = await admin.post(f"/api/admin/guests/{guest.guest_id}/erase")
        assert r.status_code == 200, r.text
    await staff.expect("conversation", lambda f: f["id"] == cid and f["status"] == "ended")
    assert await close_code(guest) == 1008
    assert await count_rows(db, Message, Message.conversation_id == cid) == 0
    assert len(await audit_entries(db, "guest.erased")) == 1
    await staff.close()


async def test_erasure_takes_the_guests_mails_and_audit_details_too(
    db: Database, settings: Settings, store: StoreInfo, admin: httpx.AsyncClient,
) -> None:
    guest_id = await create_guest(db, store_id=store.store_id, nickname="花子",
                                  profile={"email": "hanako@example.jp"})
    other = await create_guest(db, store_id=store.store_id, nickname="次郎",
                               profile={"email": "jiro@example.jp"})
    await add_notified_staff(db, store_id=store.store_id, email="staff@example.jp")
    for who in (guest_id, other):
        r = await admin.post(f"/api/guests/{who}/messages",
                             json={"text": "在庫が入りました", "notify_email": True})
        assert r.status_code == 201 and r.json()["notified"] is True, r.text
        await notify_left(db, settings, store_id=store.store_id,
                          conversation_id=r.json()["message"]["conversation_id"],
                          nickname="花子" if who == guest_id else "次郎", text="折り返しください")
    for on in (True, False):
        r = await admin.patch(f"/api/guests/{guest_id}", json={"blacklisted": on})
        assert r.status_code == 200, r.text
    assert len(await outbox_rows(db)) == 4

    r = await admin.post(f"/api/admin/guests/{guest_id}/export")
    mails = json.loads(zipfile.ZipFile(io.BytesIO(r.content)).read("guest.json"))["mails"]
    assert sorted(m["to"] for m in mails) == ["hanako@example.jp", "staff@example.jp"]

    assert (await admin.post(f"/api/admin/guests/{guest_id}/erase")).status_code == 200
    left = await outbox_rows(db)
    assert sorted(m.to_addr for m in left) == ["jiro@example.jp", "staff@example.jp"]
    assert all("花子" not in m.body_text for m in left)
    async with db.read() as session:
        entries = list(await session.scalars(select(AuditEntry).where(
            AuditEntry.target_id == guest_id).order_by(AuditEntry.at)))
    assert [(e.action, e.details) for e in entries[:2]] == [
        ("guest.blacklisted", {}), ("guest.unblacklisted", {})]
    assert entries[-1].action == "guest.erased"
