"""Ids are public: naming another guest's or store's conversation reveals nothing (issue 12.1)."""

from __future__ import annotations

import logging
import uuid

import pytest

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import StoreInfo, create_store
from tests.realtime.clients import Frame, Guest, Staff
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer, http_client


async def frames_until_barrier(client: Guest | Staff) -> list[Frame]:
    """Every frame the server sent before it answered a frame sent now.

    The server writes a socket's frames in order, so whatever it sent because of
    earlier frames comes before the `bad_frame` answering this one.
    """
    before = len(client.frames)
    await client.send({"type": "no-such-frame"})
    await client.expect("error", lambda f: f["code"] == "bad_frame")
    return client.frames[before:-1]


def assert_nothing_of(frames: list[Frame], conversation_id: str, *secrets: str) -> None:
    text = repr(frames)
    assert conversation_id not in text
    for secret in secrets:
        assert secret not in text


@pytest.fixture
async def other_store(db: Database) -> StoreInfo:
    return await create_store(db, name="よその店")


@pytest.mark.parametrize("whose", ["same store", "other store", "unknown"])
async def test_guest_resume_of_a_conversation_not_its_own_is_not_found(
        chat: Chat, server: ThreadServer, other_store: StoreInfo, whose: str,
        caplog: pytest.LogCaptureFixture) -> None:
    secret = f"秘密の話 {uuid.uuid4().hex}"
    await chat.staff.say(chat.conversation_id, secret)
    await chat.guest.expect("message", lambda f: f["text"] == secret)
    target = uuid.uuid4().hex if whose == "unknown" else chat.conversation_id
    key = other_store.widget_key if whose == "other store" else chat.store.widget_key
    caplog.set_level(logging.INFO)

    intruder = await Guest.connect(server.ws_url, key,
                                   resume={"conversation_id": target, "after_seq": 0})

    assert intruder.welcome["conversation"] is None
    refusal = await intruder.expect("error")
    assert refusal["code"] == "not_found"
    rest = await frames_until_barrier(intruder)
    assert_nothing_of([intruder.welcome, refusal, *rest], target, secret,
                      chat.staff.welcome["staff"]["name"])
    assert [f["type"] for f in rest] == []
    # The intruder is still an ordinary guest of its own store.
    assert intruder.welcome["guest_id"] != chat.guest.guest_id
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await intruder.close()


async def test_guest_resume_of_its_own_conversation_still_replays(
        chat: Chat, server: ThreadServer) -> None:
    ack = await chat.guest.say("最初")
    await chat.staff.say(chat.conversation_id, "あとで読む")
    await chat.guest.close()
    back = await Guest.connect(server.ws_url, chat.store.widget_key, token=chat.guest.token,
                               resume={"conversation_id": chat.conversation_id,
                                       "after_seq": ack["seq"]})
    message = await back.expect("message")
    assert (message["seq"], message["text"]) == (ack["seq"] + 1, "あとで読む")
    assert not [f for f in back.frames if f["type"] == "error"]
    await back.close()


async def test_guest_read_of_a_foreign_conversation_is_not_found(
        chat: Chat, server: ThreadServer, other_store: StoreInfo) -> None:
    for key in (chat.store.widget_key, other_store.widget_key):
        intruder = await Guest.connect(server.ws_url, key)
        await intruder.send({"type": "read", "conversation_id": chat.conversation_id, "seq": 99})
        assert (await intruder.expect("error"))["code"] == "not_found"
        await intruder.close()
    # The staff member was told nothing: its read cursor of the guest did not move.
    async with http_client(base_url=server.url) as c:
        await login(c, chat.store.admin_login)
        page = (await c.get(f"/api/conversations/{chat.conversation_id}/messages")).json()
    assert page["messages"]
    rest = await frames_until_barrier(chat.staff)
    assert not [f for f in rest if f["type"] == "read"]


async def test_staff_of_another_store_learns_nothing_of_a_conversation(
        chat: Chat, server: ThreadServer, other_store: StoreInfo) -> None:
    secret = f"店内の話 {uuid.uuid4().hex}"
    await chat.guest.say(secret)
    cid = chat.conversation_id
    other = await Staff.connect(server.url, server.ws_url, other_store.admin_login,
                                resume={cid: 0})
    for frame in ({"type": "read", "conversation_id": cid, "seq": 1},
                  {"type": "claim", "conversation_id": cid},
                  {"type": "end", "conversation_id": cid},
                  {"type": "typing", "conversation_id": cid, "active": True},
                  {"type": "send", "conversation_id": cid, "client_msg_id": "x",
                   "kind": "text", "text": "侵入"}):
        await other.send(frame)
        assert (await other.expect("error"))["code"] == "not_found", frame
    rest = await frames_until_barrier(other)
    assert_nothing_of([other.welcome, *rest], cid, secret)
    async with http_client(base_url=server.url) as c:
        await login(c, other_store.admin_login)
        r = await c.get(f"/api/conversations/{cid}/messages")
        unknown = await c.get(f"/api/conversations/{uuid.uuid4().hex}/messages")
    assert r.status_code == unknown.status_code == 404
    assert r.json() == unknown.json()
    await other.close()
