"""Every refusal names its code and leaves the socket usable (protocol §1, §6)."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.factories import StoreInfo
from tests.realtime.clients import Guest, Staff
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer, http_client


async def still_usable(guest: Guest) -> None:
    await guest.send({"type": "form_shown"})
    await guest.send({"type": "typing", "text": ""})
    await guest.send({"type": "bogus"})
    assert (await guest.expect("error"))["code"] == "bad_frame"


@pytest.mark.parametrize("raw", [
    "not json",
    "[1, 2, 3]",
    json.dumps({"type": "nope"}),
    json.dumps({"no_type": 1}),
    json.dumps({"type": "send", "client_msg_id": 5, "text": "x"}),
    json.dumps({"type": "send", "client_msg_id": "a", "text": "x", "extra": True}),
    json.dumps({"type": "read", "conversation_id": "c", "seq": "1"}),
    json.dumps({"type": "hello", "store": "again"}),
    # U+0000: PostgreSQL cannot store it; found by the fuzzer as a server error.
    json.dumps({"type": "send", "client_msg_id": "nul", "text": "\u0000"}),
    json.dumps({"type": "send", "client_msg_id": "nul2", "text": "あ\u0000い"}),
    json.dumps({"type": "typing", "text": "\u0000"}),
])
async def test_bad_frames(chat: Chat, raw: str) -> None:
    await chat.guest.ws.send(raw)
    err = await chat.guest.expect("error")
    assert err["code"] == "bad_frame" and err["message"]
    await chat.guest.say("まだ使える")


async def test_a_nul_in_a_message_stores_nothing(chat: Chat) -> None:
    before = await chat.guest.say("その前")
    await chat.guest.send({"type": "send", "client_msg_id": "nul", "text": "前\u0000後"})
    err = await chat.guest.expect("error")
    assert (err["code"], err["ref"]) == ("bad_frame", "nul")
    ack = await chat.guest.say("その次")
    assert ack["seq"] == before["seq"] + 1


async def test_bad_frame_names_the_offending_client_msg_id(chat: Chat) -> None:
    await chat.guest.send({"type": "send", "client_msg_id": "abc", "text": 42})
    err = await chat.guest.expect("error")
    assert (err["code"], err["ref"]) == ("bad_frame", "abc")


async def test_oversize_frame(chat: Chat) -> None:
    await chat.guest.ws.send(json.dumps({"type": "send", "client_msg_id": "big",
                                         "text": "あ" * 20_000}, ensure_ascii=False))
    err = await chat.guest.expect("error")
    assert (err["code"], err.get("ref")) == ("too_large", "big")
    await chat.guest.ws.send("x" * (64 * 1024 + 10))
    try:
        err = await chat.guest.expect("error")
        assert err["code"] == "bad_frame"
        await chat.guest.say("still here")
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1009


async def test_text_limits(chat: Chat) -> None:
    await chat.guest.send({"type": "send", "client_msg_id": "long", "text": "x" * 4001})
    assert (await chat.guest.expect("error"))["code"] == "too_large"
    ok = await chat.guest.say("  " + "x" * 4000 + "  ")
    assert ok["seq"] > 0
    await chat.guest.send({"type": "send", "client_msg_id": "blank", "text": "   \n "})
    assert (await chat.guest.expect("error"))["code"] == "bad_frame"


async def test_send_rate_limit_allows_the_protocol_burst(chat: Chat) -> None:
    for i in range(30):
        await chat.guest.send({"type": "send", "client_msg_id": f"b{i}", "text": f"{i}"})
    for i in range(30):
        await chat.guest.expect("ack", lambda f, i=i: f["client_msg_id"] == f"b{i}")
    for i in range(60):
        await chat.guest.send({"type": "send", "client_msg_id": f"flood{i}", "text": "x"})
    err = await chat.guest.expect("error", timeout=10)
    assert err["code"] == "rate_limited" and err["ref"].startswith("flood")


async def test_send_without_conversation_and_start_when_away(server: ThreadServer,
                                                             store: StoreInfo) -> None:
    guest = await Guest.connect(server.ws_url, store.widget_key)
    await guest.send({"type": "send", "client_msg_id": "m", "text": "hi"})
    assert (await guest.expect("error"))["code"] == "not_found"
    await guest.send({"type": "start", "nickname": "x"})
    err = await guest.expect("error")
    assert err["code"] == "unavailable"
    await still_usable(guest)
    await guest.close()


async def test_unknown_store_key(server: ThreadServer) -> None:
    async with connect(f"{server.ws_url}/ws/guest") as ws:
        await ws.send(json.dumps({"type": "hello", "store": "no-such-store"}))
        err = json.loads(await ws.recv())
        assert err["code"] == "not_found"


async def test_frames_before_hello_are_refused(server: ThreadServer, store: StoreInfo) -> None:
    async with connect(f"{server.ws_url}/ws/guest") as ws:
        await ws.send(json.dumps({"type": "send", "client_msg_id": "x", "text": "hi"}))
        assert json.loads(await ws.recv())["code"] == "bad_frame"
        await ws.send(json.dumps({"type": "hello", "store": store.widget_key}))
        assert json.loads(await ws.recv())["type"] == "welcome"


async def test_staff_socket_needs_session_and_own_origin(server: ThreadServer,
                                                         store: StoreInfo) -> None:
    cookie = await Staff.login(server.url, store.admin_login)
    with pytest.raises(InvalidStatus) as no_cookie:
        await connect(f"{server.ws_url}/ws/staff", origin=server.url)  # type: ignore[arg-type]
    assert no_cookie.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as forged:
        await connect(f"{server.ws_url}/ws/staff", origin=server.url,  # type: ignore[arg-type]
                      additional_headers={"Cookie": "chats_session=forged"})
    assert forged.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as foreign:
        await connect(f"{server.ws_url}/ws/staff",
                      origin="https://evil.example",  # type: ignore[arg-type]
                      additional_headers={"Cookie": f"chats_session={cookie}"})
    assert foreign.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as missing:
        await connect(f"{server.ws_url}/ws/staff",
                      additional_headers={"Cookie": f"chats_session={cookie}"})
    assert missing.value.response.status_code == 403
    ok = await Staff.connect(server.url, server.ws_url, store.admin_login, cookie=cookie)
    assert ok.welcome["staff"]["id"] == store.admin_id
    await ok.close()


async def test_logout_closes_staff_sockets_and_goes_offline(server: ThreadServer,
                                                            store: StoreInfo) -> None:

    guest = await Guest.connect(server.ws_url, store.widget_key)
    async with http_client(base_url=server.url) as c:
        r = await c.post("/api/auth/login", json={"login_id": store.admin_login,
                                                   "password": "correct-horse-battery"})
        csrf = r.json()["csrf_token"]
        staff = await Staff.connect(server.url, server.ws_url, store.admin_login,
                                    cookie=c.cookies["chats_session"])
        await guest.expect("availability", lambda f: f["status"] == "waiting")
        await c.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    with pytest.raises(ConnectionClosed):
        while True:
            await staff.recv()
    await guest.expect("availability", lambda f: f["status"] == "away")
    await guest.close()


async def test_staff_stays_online_through_a_quick_reconnect(server: ThreadServer,
                                                            store: StoreInfo) -> None:
    guest = await Guest.connect(server.ws_url, store.widget_key)
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    await guest.expect("availability", lambda f: f["status"] == "waiting")
    await staff.close()
    again = await Staff.connect(server.url, server.ws_url, store.admin_login,
                                cookie=staff.cookie)
    # After the grace period (0.5 s in tests) the store is still waiting: no flip to away.
    await again.send({"type": "read", "conversation_id": "none", "seq": 0})
    await again.expect("error")
    await again.expect("online", timeout=5)
    assert [f["status"] for f in guest.frames if f["type"] == "availability"] == ["waiting"]
    await again.close()
    await guest.expect("availability", lambda f: f["status"] == "away", timeout=5)
    await guest.close()
