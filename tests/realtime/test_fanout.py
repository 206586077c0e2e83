"""Fan-out: a frame for many sockets reaches each as the same text, and a socket's frames keep
their order while a write to it waits on a slow reader."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any, cast

from websockets.asyncio.client import connect

from tests.factories import StoreInfo
from tests.realtime.clients import Frame, Guest, Staff
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer


class RawText:
    """Keeps the text of every frame received, beside the decoded frame."""

    texts: dict[int, str]

    async def recv(self, timeout: float = 5.0) -> Frame:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)  # type: ignore[attr-defined]
        assert isinstance(raw, str)
        frame: Frame = json.loads(raw)
        self.texts[id(frame)] = raw
        self.frames.append(frame)  # type: ignore[attr-defined]
        self._unmatched.append(frame)  # type: ignore[attr-defined]
        return frame


class RawGuest(RawText, Guest):
    def __init__(self, ws: Any) -> None:
        super().__init__(ws)
        self.texts = {}


class RawStaff(RawText, Staff):
    def __init__(self, ws: Any) -> None:
        super().__init__(ws)
        self.texts = {}


def field_is(name: str, value: object) -> Callable[[Frame], bool]:
    """A frame predicate: `frame[name] == value`."""
    return lambda frame: frame.get(name) == value


def assert_clean(clients: list[RawGuest | RawStaff]) -> None:
    """No internal key reached a client, and each text is the frame's canonical JSON."""
    for client in clients:
        for frame in client.frames:
            assert not [k for k in frame if k.startswith("_")], frame
            assert client.texts[id(frame)] == json.dumps(frame, ensure_ascii=False)


async def test_a_frame_for_many_sockets_is_the_same_text_on_each(server: ThreadServer,
                                                                  store: StoreInfo) -> None:
    staff = [cast(RawStaff, await RawStaff.connect(server.url, server.ws_url, store.admin_login))
             for _ in range(3)]
    first = cast(RawGuest, await RawGuest.connect(server.ws_url, store.widget_key))
    cid = (await first.start())["id"]
    guests = [first, *[cast(RawGuest, await RawGuest.connect(server.ws_url, store.widget_key,
                                                             token=first.token))
                       for _ in range(2)]]

    # The waiting queue goes to every staff socket of the store.
    queues = [await s.expect("queue", lambda f: any(w["conversation_id"] == cid
                                                    for w in f["waiting"])) for s in staff]
    assert len({s.texts[id(q)] for s, q in zip(staff, queues, strict=True)}) == 1

    # A claim sends the staff `conversation` frame (internally marked to replay the history)
    # to every socket of the claimer, and the guest's (internally naming the staff member) to
    # every socket of the guest.
    await staff[0].send({"type": "claim", "conversation_id": cid})
    claimed = [await s.expect("conversation", lambda f: f["id"] == cid
                              and f["status"] == "active") for s in staff]
    assert len({s.texts[id(f)] for s, f in zip(staff, claimed, strict=True)}) == 1
    active = [await g.expect("conversation", lambda f: f["id"] == cid
                             and f["status"] == "active") for g in guests]
    assert len({g.texts[id(f)] for g, f in zip(guests, active, strict=True)}) == 1

    # Sockets leave one by one; those left still get every message, the same text on each.
    everyone: list[RawGuest | RawStaff] = [*staff, *guests]
    while guests:
        seq = (await staff[0].say(cid, "まだいますか"))["seq"]
        texts = {g.texts[id(await g.expect("message", field_is("seq", seq)))]
                 for g in guests}
        assert len(texts) == 1
        await guests.pop().close()
    assert_clean(everyone)
    for client in staff:
        await client.close()


async def test_frames_arriving_while_a_write_waits_keep_their_order(
        chat: Chat, server: ThreadServer) -> None:
    # A second socket of the staff member that reads nothing for a while: a 4 KiB receive
    # buffer, and the client stops taking data off the connection after one frame.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    slow = Staff(await connect(f"{server.ws_url}/ws/staff", sock=sock,
                               origin=server.url,  # type: ignore[arg-type]
                               additional_headers={"Cookie":
                                                   f"chats_session={chat.staff.cookie}"},
                               max_size=2**22, max_queue=1))
    await slow.send({"type": "hello"})
    await slow.expect("welcome")
    # 800 messages of 12 KB: 9.6 MB, more than the kernel (at most 4 MiB of send buffer) and
    # the server's transport hold, so writes to `slow` wait while later messages arrive; and
    # fewer than the 1,000 frames a socket may have waiting before it is closed.
    cid = chat.conversation_id
    text = "あ" * 4000
    for batch in range(16):
        for i in range(50):
            await chat.staff.send({"type": "send", "conversation_id": cid,
                                   "client_msg_id": f"o{batch}-{i}", "kind": "text",
                                   "text": text})
        ack = await chat.staff.expect("ack", field_is("client_msg_id", f"o{batch}-49"),
                                      timeout=30)
    last = ack["seq"]
    await slow.expect("message", field_is("seq", last), timeout=60)
    assert [m["seq"] for m in slow.messages(cid)] == list(range(1, last + 1))
    await slow.close()
