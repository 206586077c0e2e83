"""A client that stops reading is disconnected instead of growing the server's memory."""

from __future__ import annotations

import socket

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.realtime.clients import Staff
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer


async def test_stuck_reader_is_disconnected(chat: Chat, server: ThreadServer) -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    stuck_ws = await connect(f"{server.ws_url}/ws/staff", sock=sock,
                             origin=server.url,  # type: ignore[arg-type]
                             additional_headers={"Cookie": f"chats_session={chat.staff.cookie}"},
                             max_size=2**22, max_queue=1)
    stuck = Staff(stuck_ws)
    await stuck.send({"type": "hello"})
    await stuck.expect("welcome")
    # From here on `stuck` reads nothing while the same staff member chats on another socket.
    text = "あ" * 4000
    cid = chat.conversation_id
    sent = 0
    for batch in range(30):
        for i in range(50):
            await chat.staff.send({"type": "send", "conversation_id": cid,
                                   "client_msg_id": f"b{batch}-{i}", "kind": "text",
                                   "text": text})
        await chat.staff.expect("ack", lambda f, b=batch: f["client_msg_id"] == f"b{b}-49",
                                timeout=30)
        sent += 50
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await stuck.recv(timeout=30)
    assert closed.value.rcvd is None or closed.value.rcvd.code in (1008, 1011)
    # The reading socket and the server are fine.
    ack = await chat.staff.say(cid, "still fine")
    assert ack["seq"] > sent
