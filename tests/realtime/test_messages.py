"""Order, no gaps, idempotency and resume (protocol §3, §4)."""

from __future__ import annotations

import asyncio
import uuid

from tests.api.helpers import login
from tests.realtime.clients import Guest, Staff
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer, http_client


def seqs(frames: list[dict]) -> list[int]:  # type: ignore[type-arg]
    return [f["seq"] for f in frames]


async def test_interleaved_sends_keep_one_order_without_gaps(chat: Chat) -> None:
    cid = chat.conversation_id
    n = 40

    async def guest_side() -> None:
        for i in range(n):
            await chat.guest.send({"type": "send", "client_msg_id": f"g{i}", "text": f"g{i}"})

    async def staff_side() -> None:
        for i in range(n):
            await chat.staff.send({"type": "send", "conversation_id": cid,
                                   "client_msg_id": f"s{i}", "kind": "text", "text": f"s{i}"})

    await asyncio.gather(guest_side(), staff_side())
    last = 2 + 2 * n  # the claim's system line is seq 1..2 region: find the final seq by acks
    await chat.guest.expect("ack", lambda f: f["client_msg_id"] == f"g{n - 1}", timeout=15)
    await chat.staff.expect("ack", lambda f: f["client_msg_id"] == f"s{n - 1}", timeout=15)
    acks = [f for f in chat.guest.frames + chat.staff.frames if f["type"] == "ack"]
    last = max(a["seq"] for a in acks)
    await chat.guest.expect("message", lambda f: f["seq"] == last, timeout=15)
    await chat.staff.expect("message", lambda f: f["seq"] == last, timeout=15)
    guest_view = chat.guest.messages(cid)
    staff_view = chat.staff.messages(cid)
    assert seqs(guest_view) == list(range(1, last + 1))
    assert seqs(staff_view) == list(range(1, last + 1))
    assert [m["message_id"] for m in guest_view] == [m["message_id"] for m in staff_view]
    # Each side's own messages keep the order they were sent in.
    texts = [m["text"] for m in guest_view]
    assert [t for t in texts if t.startswith("g")] == [f"g{i}" for i in range(n)]
    assert [t for t in texts if t.startswith("s")] == [f"s{i}" for i in range(n)]


async def test_resend_with_same_client_msg_id_is_idempotent(chat: Chat,
                                                            server: ThreadServer) -> None:
    cid = chat.conversation_id
    msg_id = str(uuid.uuid4())
    first = await chat.guest.say("一回だけ", msg_id)
    again = await chat.guest.say("一回だけ", msg_id)
    assert (again["seq"], again["message_id"]) == (first["seq"], first["message_id"])
    # Even from a new socket of the same guest, later.
    other = await Guest.connect(server.ws_url, chat.store.widget_key, token=chat.guest.token)
    third = await other.say("一回だけ", msg_id)
    assert (third["seq"], third["message_id"]) == (first["seq"], first["message_id"])
    staff_msg = await chat.staff.say(cid, "staff once", "same-id")
    staff_again = await chat.staff.say(cid, "staff once", "same-id")
    assert staff_again["message_id"] == staff_msg["message_id"]
    async with http_client(base_url=server.url) as c:
        await login(c, chat.store.admin_login)
        page = (await c.get(f"/api/conversations/{cid}/messages")).json()
    texts = [m["text"] for m in page["messages"]]
    assert texts.count("一回だけ") == 1 and texts.count("staff once") == 1
    await other.close()


async def test_guest_resume_replays_missed_messages_in_order(chat: Chat,
                                                             server: ThreadServer) -> None:
    cid = chat.conversation_id
    await chat.staff.say(cid, "before")
    before = await chat.guest.expect("message", lambda f: f["text"] == "before")
    await chat.guest.close()
    for i in range(5):
        await chat.staff.say(cid, f"missed {i}")
    back = await Guest.connect(server.ws_url, chat.store.widget_key, token=chat.guest.token,
                               resume={"conversation_id": cid, "after_seq": before["seq"]})
    assert back.welcome["conversation"]["id"] == cid
    for i in range(5):
        await back.expect("message", lambda f, i=i: f["text"] == f"missed {i}")
    live = await back.say("live after resume")
    await back.expect("message", lambda f: f["seq"] == live["seq"])
    got = seqs(back.messages(cid))
    assert got == list(range(before["seq"] + 1, before["seq"] + 7))
    await back.close()


async def test_staff_resume_replays_after_reconnect(chat: Chat, server: ThreadServer) -> None:
    cid = chat.conversation_id
    ack = await chat.guest.say("first")
    await chat.staff.expect("message", lambda f: f["seq"] == ack["seq"])
    await chat.staff.close()
    for i in range(3):
        await chat.guest.say(f"while away {i}")
    staff = await Staff.connect(server.url, server.ws_url, chat.store.admin_login,
                                cookie=chat.staff.cookie, resume={cid: ack["seq"]})
    assert [c["id"] for c in staff.welcome["mine"]] == [cid]
    for i in range(3):
        await staff.expect("message", lambda f, i=i: f["text"] == f"while away {i}")
    assert seqs(staff.messages(cid)) == [ack["seq"] + 1, ack["seq"] + 2, ack["seq"] + 3]
    await staff.close()


async def test_staff_hello_without_resume_gets_whole_conversation(
        chat: Chat, server: ThreadServer) -> None:
    cid = chat.conversation_id
    await chat.guest.say("hello")
    second = await Staff.connect(server.url, server.ws_url, chat.store.admin_login)
    last = await second.expect("message", lambda f: f["text"] == "hello")
    assert seqs(second.messages(cid)) == list(range(1, last["seq"] + 1))
    await second.close()


async def test_http_messages_after_seq(chat: Chat, server: ThreadServer) -> None:
    cid = chat.conversation_id
    for i in range(5):
        await chat.guest.say(f"m{i}")
    async with http_client(base_url=server.url) as c:
        await login(c, chat.store.admin_login)
        page = (await c.get(f"/api/conversations/{cid}/messages",
                            params={"after_seq": 2, "limit": 3})).json()
        assert [m["seq"] for m in page["messages"]] == [3, 4, 5]
        assert page["has_more"] is True
        assert "type" not in page["messages"][0]
        rest = (await c.get(f"/api/conversations/{cid}/messages",
                            params={"after_seq": 5})).json()
        assert [m["seq"] for m in rest["messages"]] == [6]
        assert rest["has_more"] is False


async def test_welcome_carries_unread_offline_conversation(chat: Chat,
                                                           server: ThreadServer) -> None:
    cid = chat.conversation_id
    await chat.staff.say(cid, "ご返信です")
    await chat.guest.close()
    await chat.staff.send({"type": "end", "conversation_id": cid})
    await chat.staff.expect("conversation", lambda f: f["status"] == "ended")
    back = await Guest.connect(server.ws_url, chat.store.widget_key, token=chat.guest.token)
    assert back.welcome["unread"] == 1
    assert back.welcome["conversation"]["id"] == cid
    reply = await back.expect("message", lambda f: f["text"] == "ご返信です")
    last = await back.expect("message", lambda f: f["author"] == "system"
                             and f["seq"] > reply["seq"])
    await back.send({"type": "read", "conversation_id": cid, "seq": last["seq"]})
    await chat.staff.expect("read", lambda f: f["seq"] == last["seq"])
    again = await Guest.connect(server.ws_url, chat.store.widget_key, token=chat.guest.token)
    assert again.welcome["unread"] == 0 and again.welcome["conversation"] is None
    await back.close()
    await again.close()
