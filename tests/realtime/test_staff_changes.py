"""An admin's change to a staff member reaches every open surface; no chat is left without
an owner (issue 14, items 1 and 2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.databases import PG_URL, REDIS_URL
from tests.factories import StoreInfo, create_staff
from tests.realtime.clients import Guest, Staff
from tests.realtime.conftest import open_chat
from tests.servers import ProcessServer, ThreadServer, env_for, http_client


async def patch_staff(server: ThreadServer, admin_login: str, staff_id: str,
                      changes: dict[str, object]) -> dict[str, object]:
    async with http_client(base_url=server.url) as c:
        await login(c, admin_login)
        r = await c.patch(f"/api/staff/{staff_id}", json=changes)
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        return body


async def test_a_raised_limit_reaches_the_agents_own_console_and_the_others(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="full", max_chats=1)
    agent = await Staff.connect(server.url, server.ws_url, "full")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    first, _ = await open_chat(server, store, agent)
    waiting = await Guest.connect(server.ws_url, store.widget_key)
    assert waiting.welcome["availability"] == "waiting"  # the admin has room

    await patch_staff(server, store.admin_login, agent_id, {"max_chats": 4, "name": "佐藤"})

    me = await agent.expect("me")
    assert (me["staff"]["id"], me["staff"]["max_chats"], me["staff"]["name"]) == \
        (agent_id, 4, "佐藤")
    await admin.expect("online", lambda f: any(
        s["id"] == agent_id and s["max_chats"] == 4 and s["name"] == "佐藤" for s in f["staff"]))
    # Only the changed member hears of its own record.
    assert not [f for f in admin.frames if f["type"] == "me"]
    cid = (await waiting.start())["id"]
    await agent.claim(cid)
    for client in (first, waiting, agent, admin):
        await client.close()


async def test_an_own_setting_reaches_the_members_other_consoles(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="two-tabs")
    first_tab = await Staff.connect(server.url, server.ws_url, "two-tabs")
    assert first_tab.welcome["staff"]["sound_enabled"] is True
    colleague = await Staff.connect(server.url, server.ws_url, store.admin_login)
    async with http_client(base_url=server.url) as other_device:
        await login(other_device, "two-tabs")
        second_tab = await Staff.connect(server.url, server.ws_url, "two-tabs",
                                         cookie=other_device.cookies["chats_session"])
        r = await other_device.patch("/api/auth/me", json={"sound_enabled": False})
        assert r.status_code == 200, r.text
    for tab in (first_tab, second_tab):
        me = await tab.expect("me")
        assert me["staff"]["sound_enabled"] is False
    # The colleague's console hears nothing of another member's own settings: a later
    # change that does reach it (through the same broker) comes with no `me` before it.
    await patch_staff(server, store.admin_login, agent_id, {"name": "二つ目"})
    await colleague.expect("online", lambda f: any(s["name"] == "二つ目" for s in f["staff"]))
    assert not [f for f in colleague.frames if f["type"] == "me"]
    for client in (first_tab, second_tab, colleague):
        await client.close()


async def test_disabling_a_member_returns_its_chats_to_the_queue(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="leaving", max_chats=3)
    agent = await Staff.connect(server.url, server.ws_url, "leaving")
    guest, cid = await open_chat(server, store, agent)
    ack = await guest.say("まだいますか")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)

    await patch_staff(server, store.admin_login, agent_id, {"active": False})

    line = await guest.expect("message", lambda f: f["author"] == "system"
                              and f["seq"] > ack["seq"])
    assert line["text"] == "担当者が交代します。少々お待ちください。"
    back = await guest.expect("conversation", lambda f: f["id"] == cid)
    assert (back["status"], back["staff"]) == ("waiting", None)
    await guest.expect("conversation", lambda f: f.get("queue_position") == 1)
    await admin.expect("queue", lambda f: [w["conversation_id"] for w in f["waiting"]] == [cid])
    # The admin takes it over and gets the whole history, the guest's last words included.
    await admin.claim(cid)
    await admin.expect("message", lambda f: f["conversation_id"] == cid
                       and f["message_id"] == ack["message_id"])
    reply = await admin.say(cid, "お待たせしました")
    await guest.expect("message", lambda f: f["seq"] == reply["seq"])
    await guest.expect("conversation", lambda f: f["id"] == cid and f["status"] == "active")
    for client in (guest, admin, agent):
        await client.close()


async def test_an_agent_cannot_change_staff_and_nothing_is_sent(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="plain")
    agent = await Staff.connect(server.url, server.ws_url, "plain")
    async with http_client(base_url=server.url) as c:
        await login(c, "plain")
        r = await c.patch(f"/api/staff/{agent_id}", json={"max_chats": 9})
    assert r.status_code == 403
    await agent.send({"type": "no-such-frame"})
    await agent.expect("error", lambda f: f["code"] == "bad_frame")
    assert not [f for f in agent.frames if f["type"] == "me"]
    await agent.close()


async def returned(guest: Guest, cid: str, after_seq: int) -> None:
    """The guest sees the hand-over line, then its chat waiting again."""
    line = await guest.expect("message", lambda f: f["author"] == "system"
                              and f["seq"] > after_seq, timeout=15)
    assert line["text"] == "担当者が交代します。少々お待ちください。"
    back = await guest.expect("conversation", lambda f: f["id"] == cid, timeout=15)
    assert (back["status"], back["staff"]) == ("waiting", None)


async def test_logging_out_returns_the_chats_at_once(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="going-home")
    agent = await Staff.connect(server.url, server.ws_url, "going-home")
    guest, cid = await open_chat(server, store, agent)
    ack = await guest.say("お願いします")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    async with http_client(base_url=server.url) as c:
        await login(c, "going-home")
        assert (await c.post("/api/auth/logout")).status_code == 204
    await returned(guest, cid, ack["seq"])
    await admin.expect("queue", lambda f: [w["conversation_id"] for w in f["waiting"]] == [cid])
    for client in (guest, admin, agent):
        await client.close()


@pytest.fixture
def release_soon(settings: Settings) -> Iterator[ThreadServer]:
    """A server whose chats wait only briefly for an offline staff member."""
    srv = ThreadServer(settings.model_copy(update={"offline_release_seconds": 0.3})).start()
    yield srv
    srv.stop()


async def test_a_member_offline_past_the_grace_loses_its_chats_to_the_queue(
        release_soon: ThreadServer, db: Database, store: StoreInfo) -> None:
    server = release_soon
    await create_staff(db, store_id=store.store_id, login_id="lid-closed")
    agent = await Staff.connect(server.url, server.ws_url, "lid-closed")
    guest, cid = await open_chat(server, store, agent)
    ack = await guest.say("もしもし")
    await agent.close()  # the laptop closes: no logout
    await returned(guest, cid, ack["seq"])
    # Back later, the console learns its tab moved on instead of keeping a dead chat.
    back = await Staff.connect(server.url, server.ws_url, "lid-closed", cookie=agent.cookie,
                               resume={cid: ack["seq"]})
    assert back.welcome["mine"] == []
    moved = await back.expect("conversation", lambda f: f["id"] == cid)
    assert (moved["status"], moved["staff_id"]) == ("waiting", None)
    await back.send({"type": "no-such-frame"})
    await back.expect("error", lambda f: f["code"] == "bad_frame")
    assert not [f for f in back.frames if f["type"] == "message"]
    for client in (guest, back):
        await client.close()


async def test_a_member_back_within_the_hold_keeps_its_chats(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="blip")
    agent = await Staff.connect(server.url, server.ws_url, "blip")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest, cid = await open_chat(server, store, agent)
    await agent.close()
    # Offline for everyone once the presence grace has passed…
    await admin.expect("online", lambda f: [s["id"] for s in f["staff"]]
                       == [admin.welcome["staff"]["id"]], timeout=10)
    # …but its chat waits for it (45 s by default), and it resumes it.
    back = await Staff.connect(server.url, server.ws_url, "blip", cookie=agent.cookie,
                               resume={cid: 0})
    assert [c["id"] for c in back.welcome["mine"]] == [cid]
    reply = await back.say(cid, "失礼しました")
    await guest.expect("message", lambda f: f["seq"] == reply["seq"])
    assert not [f for f in guest.messages(cid) if f["text"].startswith("担当者が交代")]
    for client in (guest, admin, back):
        await client.close()


@pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="two processes need PostgreSQL + Redis")
async def test_chats_of_a_killed_process_return_to_the_queue(
        settings: Settings, db: Database, store: StoreInfo, tmp_path: Path) -> None:
    short = env_for(settings.model_copy(update={"presence_ttl_seconds": 3.0,
                                                "offline_release_seconds": 0.5}))
    a = ProcessServer(env=short, log_path=tmp_path / "a.log").start()
    b = ProcessServer(env=short, log_path=tmp_path / "b.log").start()
    try:
        staff = await Staff.connect(b.url, b.ws_url, store.admin_login)
        guest = await Guest.connect(a.ws_url, store.widget_key)
        cid = (await guest.start())["id"]
        await staff.claim(cid)
        await guest.expect("conversation", lambda f: f["id"] == cid and f["status"] == "active")
        claimed = await guest.expect("message", lambda f: f["author"] == "system")
        b.kill()  # nobody announces it: the presence entry expires and process A notices
        await returned(guest, cid, claimed["seq"])
        await staff.ws.close()
        await guest.close()
    finally:
        a.stop()
        b.stop()
