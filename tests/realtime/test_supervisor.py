"""The supervisor's view and actions over the staff socket (issue 14, item 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chats.config import Settings
from chats.db.engine import Database
from chats.realtime.frames import STAFF_SERVER_FRAMES
from tests.databases import PG_URL, REDIS_URL
from tests.factories import StoreInfo, create_staff, create_store
from tests.realtime.clients import Frame, Guest, Staff, WsClient
from tests.realtime.conftest import open_chat
from tests.servers import ProcessServer, ThreadServer, env_for

TAKEN_OVER = "管理者の{name}が対応を引き継ぎました。"
REASSIGNED = "担当者が{name}に変わりました。"
RELEASED = "担当者が交代します。少々お待ちください。"
ENDED = "チャットが終了しました。"


def entry(frame: Frame, cid: str) -> dict[str, Any] | None:
    """The overview's line for one conversation."""
    return next((c for c in frame["conversations"] if c["conversation_id"] == cid), None)


def line(text: str) -> Any:
    return lambda f: f["author"] == "system" and f["text"] == text


async def error(client: WsClient, frame: Frame) -> str:
    """Send a frame that must be refused; the refusal's code."""
    start = len(client.frames)
    await client.send(frame)
    got = await client.expect("error", lambda f: any(f is g for g in client.frames[start:]))
    return str(got["code"])


def validated(*clients: WsClient) -> None:
    for client in clients:
        if isinstance(client, Staff):
            for frame in client.frames:
                STAFF_SERVER_FRAMES.validate_python(frame)


@pytest.fixture
async def store(db: Database) -> StoreInfo:
    return await create_store(db)


async def test_the_overview_follows_every_open_chat_live(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="sv-agent", name="鈴木")
    agent = await Staff.connect(server.url, server.ws_url, "sv-agent")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    await admin.send({"type": "supervise"})
    first = await admin.expect("overview")
    assert first["conversations"] == []

    guest = await Guest.connect(server.ws_url, store.widget_key)
    cid = (await guest.start("山田"))["id"]
    waiting = await admin.expect("overview", lambda f: entry(f, cid) is not None)
    item = entry(waiting, cid)
    assert item is not None
    assert (item["status"], item["staff"], item["nickname"]) == ("waiting", None, "山田")
    assert item["waiting_since"] == item["created_at"]

    await agent.claim(cid)
    claimed = await admin.expect("overview", lambda f: (entry(f, cid) or {}).get("status")
                                 == "active")
    item = entry(claimed, cid)
    assert item is not None and item["staff"]["name"] == "鈴木"

    said = await guest.say("在庫はありますか？")
    unread = await admin.expect("overview", lambda f: (entry(f, cid) or {}).get("unread") == 1)
    item = entry(unread, cid)
    assert item is not None and item["last_message"]["text"] == "在庫はありますか？"
    assert item["waiting_since"] is not None  # the guest waits for an answer

    await agent.send({"type": "read", "conversation_id": cid, "seq": said["seq"]})
    await agent.say(cid, "ございます")
    answered = await admin.expect("overview", lambda f: (entry(f, cid) or {}).get("unread") == 0
                                  and f["conversations"][0]["last_message"]["author"] == "staff")
    item = entry(answered, cid)
    assert item is not None and item["waiting_since"] is None
    assert item["last_message"]["text"] == "ございます"
    # An agent of the store never hears of it.
    assert not [f for f in agent.frames if f["type"] == "overview"]
    validated(admin, agent)
    for client in (guest, agent, admin):
        await client.close()


async def test_an_admin_follows_a_chat_read_only(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="ro-agent")
    agent = await Staff.connect(server.url, server.ws_url, "ro-agent")
    guest, cid = await open_chat(server, store, agent, "佐々木")
    before = await guest.say("こんにちは")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)

    await admin.send({"type": "watch", "conversation_id": cid})
    watching = await admin.expect("watching")
    assert (watching["conversation"]["id"], watching["conversation"]["status"]) == (cid, "active")
    await admin.expect("message", lambda f: f["message_id"] == before["message_id"])
    live = await guest.say("返品したいです")
    await admin.expect("message", lambda f: f["message_id"] == live["message_id"])
    reply = await agent.say(cid, "承知しました")
    await admin.expect("message", lambda f: f["message_id"] == reply["message_id"])

    # Read-only: the admin cannot write in a chat it does not hold.
    assert await error(admin, {"type": "send", "conversation_id": cid, "client_msg_id": "x1",
                               "kind": "text", "text": "割り込み"}) == "forbidden"
    await admin.send({"type": "unwatch", "conversation_id": cid})
    await admin.send({"type": "watch", "conversation_id": "0" * 32})
    await admin.expect("error", lambda f: f["code"] == "not_found")  # after the unwatch
    after = await guest.say("もしもし")
    await agent.expect("message", lambda f: f["message_id"] == after["message_id"])
    await admin.send({"type": "no-such-frame"})
    await admin.expect("error", lambda f: f["code"] == "bad_frame")
    assert not [f for f in admin.messages(cid) if f["message_id"] == after["message_id"]]
    assert not [m for m in guest.messages(cid) if m["text"] == "割り込み"]
    validated(admin)
    for client in (guest, agent, admin):
        await client.close()


async def test_an_admin_takes_a_chat_over(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="to-agent")
    agent = await Staff.connect(server.url, server.ws_url, "to-agent")
    guest, cid = await open_chat(server, store, agent)
    said = await guest.say("まだですか")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    name = admin.welcome["staff"]["name"]

    await admin.send({"type": "intervene", "conversation_id": cid, "action": "take_over"})

    text = TAKEN_OVER.format(name=name)
    await guest.expect("message", line(text))
    now = await guest.expect("conversation", lambda f: f["status"] == "active"
                             and f["staff"] == {"name": name})
    assert now["id"] == cid
    await agent.expect("message", line(text))  # the former holder sees why it went
    gone = await agent.expect("conversation", lambda f: f["id"] == cid)
    assert gone["staff_id"] == store.admin_id
    await admin.expect("conversation", lambda f: f["id"] == cid and f["status"] == "active")
    await admin.expect("message", lambda f: f["message_id"] == said["message_id"])
    await admin.expect("message", line(text))
    reply = await admin.say(cid, "お待たせしました")
    await guest.expect("message", lambda f: f["seq"] == reply["seq"])
    assert await error(admin, {"type": "intervene", "conversation_id": cid,
                               "action": "take_over"}) == "conflict"
    validated(admin, agent)
    for client in (guest, agent, admin):
        await client.close()


async def test_an_admin_takes_a_waiting_guest_over(
        server: ThreadServer, store: StoreInfo) -> None:
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest = await Guest.connect(server.ws_url, store.widget_key)
    cid = (await guest.start())["id"]
    await admin.send({"type": "intervene", "conversation_id": cid, "action": "take_over"})
    await guest.expect("message", line(TAKEN_OVER.format(name=admin.welcome["staff"]["name"])))
    await guest.expect("conversation", lambda f: f["status"] == "active")
    await admin.expect("queue", lambda f: f["waiting"] == [])
    for client in (guest, admin):
        await client.close()


async def test_an_admin_reassigns_a_chat_to_an_online_member_with_room(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="ra-one", name="田中")
    two_id = await create_staff(db, store_id=store.store_id, login_id="ra-two", name="高橋",
                                max_chats=1)
    away_id = await create_staff(db, store_id=store.store_id, login_id="ra-away")
    other = await create_store(db)
    one = await Staff.connect(server.url, server.ws_url, "ra-one")
    two = await Staff.connect(server.url, server.ws_url, "ra-two")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest, cid = await open_chat(server, store, one)

    def to(staff_id: str) -> Frame:
        return {"type": "intervene", "conversation_id": cid, "action": "reassign",
                "to_staff_id": staff_id}

    assert await error(admin, to(away_id)) == "unavailable"
    assert await error(admin, to(other.admin_id)) == "not_found"
    assert await error(admin, {"type": "intervene", "conversation_id": cid,
                               "action": "reassign"}) == "bad_frame"
    await admin.send(to(two_id))

    text = REASSIGNED.format(name="高橋")
    await guest.expect("message", line(text))
    await guest.expect("conversation", lambda f: f["staff"] == {"name": "高橋"})
    await one.expect("message", line(text))
    await one.expect("conversation", lambda f: f["id"] == cid and f["staff_id"] == two_id)
    await two.expect("conversation", lambda f: f["id"] == cid and f["status"] == "active")
    await two.expect("message", line(text))

    # 高橋 is now at its limit of one: another chat cannot go to it.
    guest2, cid2 = await open_chat(server, store, one)
    await admin.send({"type": "intervene", "conversation_id": cid2, "action": "reassign",
                      "to_staff_id": two_id})
    await admin.expect("error", lambda f: f["code"] == "capacity_full")
    assert not [m for m in guest2.messages(cid2) if m["text"] == REASSIGNED.format(name="高橋")]
    for client in (guest, guest2, one, two, admin):
        await client.close()


async def test_an_admin_returns_a_chat_to_the_queue_and_ends_another(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="rq-agent")
    agent = await Staff.connect(server.url, server.ws_url, "rq-agent")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest, cid = await open_chat(server, store, agent)
    other_guest, other_cid = await open_chat(server, store, agent)

    await admin.send({"type": "intervene", "conversation_id": cid, "action": "release"})
    await guest.expect("message", line(RELEASED))
    back = await guest.expect("conversation", lambda f: f["status"] == "waiting")
    assert back["staff"] is None
    await agent.expect("message", line(RELEASED))
    await agent.expect("conversation", lambda f: f["id"] == cid and f["status"] == "waiting")
    await admin.expect("queue", lambda f: [w["conversation_id"] for w in f["waiting"]] == [cid])
    assert await error(admin, {"type": "intervene", "conversation_id": cid,
                               "action": "release"}) == "conflict"

    await admin.send({"type": "intervene", "conversation_id": other_cid, "action": "end"})
    await other_guest.expect("message", line(ENDED))
    await other_guest.expect("conversation", lambda f: f["status"] == "ended")
    await agent.expect("conversation", lambda f: f["id"] == other_cid and f["status"] == "ended")
    assert await error(admin, {"type": "intervene", "conversation_id": other_cid,
                               "action": "end"}) == "conflict"
    # The waiting one can be ended too.
    await admin.send({"type": "intervene", "conversation_id": cid, "action": "end"})
    await guest.expect("conversation", lambda f: f["status"] == "ended")
    for client in (guest, other_guest, agent, admin):
        await client.close()


ACTIONS = ["take_over", "reassign", "release", "end"]


async def test_agents_are_refused_and_other_stores_find_nothing(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="no-agent")
    other = await create_store(db)
    agent = await Staff.connect(server.url, server.ws_url, "no-agent")
    stranger = await Staff.connect(server.url, server.ws_url, other.admin_login)
    guest, cid = await open_chat(server, store, agent)
    said = await guest.say("秘密の相談です")

    for frame in ({"type": "supervise"}, {"type": "watch", "conversation_id": cid},
                  *({"type": "intervene", "conversation_id": cid, "action": a,
                     "to_staff_id": store.admin_id} for a in ACTIONS)):
        assert await error(agent, frame) == "forbidden", frame
        if frame["type"] != "supervise":
            assert await error(stranger, frame) == "not_found", frame
    # Store B's admin sees its own (empty) store only.
    await stranger.send({"type": "supervise"})
    assert (await stranger.expect("overview"))["conversations"] == []
    reply = await agent.say(cid, "どうぞ")
    await guest.expect("message", lambda f: f["seq"] == reply["seq"])
    await stranger.send({"type": "no-such-frame"})
    await stranger.expect("error", lambda f: f["code"] == "bad_frame")
    text = str(stranger.frames)
    for secret in (cid, said["message_id"], "秘密の相談です"):
        assert secret not in text
    # Nothing moved: the chat is still the agent's.
    assert not [m for m in guest.messages(cid) if m["author"] == "system"
                and m["seq"] > said["seq"]]
    assert agent_id
    for client in (guest, agent, stranger):
        await client.close()


async def test_a_demoted_admin_stops_supervising(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    from tests.realtime.test_staff_changes import patch_staff

    boss_id = await create_staff(db, store_id=store.store_id, login_id="sv-boss", role="admin")
    boss = await Staff.connect(server.url, server.ws_url, "sv-boss")
    await boss.send({"type": "supervise"})
    await boss.expect("overview")
    await patch_staff(server, store.admin_login, boss_id, {"role": "agent"})
    await boss.expect("me", lambda f: f["staff"]["role"] == "agent")
    seen = len([f for f in boss.frames if f["type"] == "overview"])
    guest = await Guest.connect(server.ws_url, store.widget_key)
    cid = (await guest.start())["id"]
    await boss.expect("queue", lambda f: any(w["conversation_id"] == cid for w in f["waiting"]))
    await boss.send({"type": "no-such-frame"})
    await boss.expect("error", lambda f: f["code"] == "bad_frame")
    assert len([f for f in boss.frames if f["type"] == "overview"]) == seen
    assert await error(boss, {"type": "supervise"}) == "forbidden"
    for client in (guest, boss):
        await client.close()


@pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="two processes need PostgreSQL + Redis")
async def test_the_supervisor_and_the_guest_on_different_processes(
        settings: Settings, db: Database, store: StoreInfo, tmp_path: Path) -> None:
    await create_staff(db, store_id=store.store_id, login_id="mp-agent", name="木村")
    env = env_for(settings)
    a = ProcessServer(env=env, log_path=tmp_path / "a.log").start()
    b = ProcessServer(env=env, log_path=tmp_path / "b.log").start()
    try:
        admin = await Staff.connect(a.url, a.ws_url, store.admin_login)
        agent = await Staff.connect(b.url, b.ws_url, "mp-agent")
        await admin.send({"type": "supervise"})
        await admin.expect("overview")
        guest = await Guest.connect(b.ws_url, store.widget_key)
        cid = (await guest.start("遠方"))["id"]
        await agent.claim(cid)
        words = "別のサーバーから失礼します"
        said = await guest.say(words)
        await admin.expect("overview", lambda f: ((entry(f, cid) or {}).get("last_message")
                                                  or {}).get("text") == words)
        await admin.send({"type": "watch", "conversation_id": cid})
        await admin.expect("message", lambda f: f["message_id"] == said["message_id"])
        live = await guest.say("聞こえますか")
        await admin.expect("message", lambda f: f["message_id"] == live["message_id"])
        await admin.send({"type": "intervene", "conversation_id": cid, "action": "take_over"})
        text = TAKEN_OVER.format(name=admin.welcome["staff"]["name"])
        await guest.expect("message", line(text))
        await agent.expect("conversation", lambda f: f["id"] == cid
                           and f["staff_id"] == store.admin_id)
        for client in (guest, agent, admin):
            await client.close()
    finally:
        a.stop()
        b.stop()

