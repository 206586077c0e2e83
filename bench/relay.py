"""The baseline: a bare WebSocket relay on the same stack (FastAPI, uvicorn), no database.

It answers the frames the load generator uses with the same shapes as CHATS
(`welcome`, `conversation`, `ack`, `message`), keeps conversations in memory,
and writes each socket through a queue and one writer task, as CHATS does.
It also serves a bare `/api/widget/{key}/visit` handler. Run it as
`python -m bench.relay serve --port P`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

Frame = dict[str, Any]

# The uvicorn options of `chats serve` (src/chats/serving.py), written out because the baseline
# imports nothing of CHATS; tests/test_serving.py checks that the two agree.
SOCKET_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "ws_max_size": 64 * 1024 + 1024,
    "ws_per_message_deflate": False,
    "ws_ping_interval": 25,
    "ws_ping_timeout": 20,
    "proxy_headers": False,
}


def _id() -> str:
    return secrets.token_hex(16)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Socket:
    """One client socket: a queue drained by one writer task."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1000)
        self.writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                await self.ws.send_text(await self.queue.get())

    def offer(self, frame: Frame | str) -> None:
        raw = frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False)
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(raw)

    async def close(self) -> None:
        self.writer.cancel()
        with contextlib.suppress(BaseException):
            await self.writer


@dataclass
class Chat:
    """A conversation held in memory."""

    id: str
    guest_token: str
    staff: Socket | None = None
    staff_id: str | None = None
    guests: set[Socket] = field(default_factory=set)
    # Kept as JSON text: strings are not tracked by the garbage collector, so a long
    # history does not make the relay's own collections slow.
    history: list[str] = field(default_factory=list)
    acks: dict[tuple[str, str], str] = field(default_factory=dict)


class Relay:
    """Conversations by id and by guest token."""

    def __init__(self) -> None:
        self.chats: dict[str, Chat] = {}
        self.by_token: dict[str, Chat] = {}

    def post(self, chat: Chat, sender: Socket, author: str, frame: Frame,
             staff_id: str | None = None) -> None:
        cmid = frame.get("client_msg_id")
        key = (author, str(cmid))
        ack = chat.acks.get(key)
        if ack is None:
            seq = len(chat.history) + 1
            message = {"type": "message", "conversation_id": chat.id, "seq": seq,
                       "message_id": _id(), "client_msg_id": cmid, "author": author,
                       "staff": {"id": staff_id, "name": "staff"} if staff_id else None,
                       "kind": frame.get("kind", "text"), "text": frame.get("text", ""),
                       "created_at": _now()}
            raw = json.dumps(message, ensure_ascii=False)
            chat.history.append(raw)
            ack = json.dumps({"type": "ack", "client_msg_id": cmid, "conversation_id": chat.id,
                              "seq": seq, "message_id": message["message_id"]})
            chat.acks[key] = ack
            self.deliver(chat, raw)
        sender.offer(ack)

    def deliver(self, chat: Chat, message: str) -> None:
        for guest in chat.guests:
            guest.offer(message)
        if chat.staff is not None:
            chat.staff.offer(message)


async def _frames(ws: WebSocket) -> Any:
    while True:
        try:
            raw = await ws.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return
        yield json.loads(raw)


async def guest_socket(ws: WebSocket, relay: Relay) -> None:
    """A guest: hello (with resume), start, send."""
    await ws.accept()
    sock = Socket(ws)
    chat: Chat | None = None
    try:
        async for frame in _frames(ws):
            kind = frame.get("type")
            if kind == "hello":
                token = frame.get("token") or _id()
                chat = relay.by_token.get(token)
                sock.offer({"type": "welcome", "token": token, "guest_id": token[:16],
                            "availability": "waiting", "conversation": None, "unread": 0})
                if chat is not None:
                    chat.guests.add(sock)
                    after = int((frame.get("resume") or {}).get("after_seq", 0))
                    for message in chat.history[after:]:
                        sock.offer(message)
                else:
                    chat = Chat(_id(), token)
                    relay.by_token[token] = chat
            elif kind == "start" and chat is not None:
                relay.chats[chat.id] = chat
                chat.guests.add(sock)
                sock.offer({"type": "conversation", "id": chat.id, "status": "waiting",
                            "staff": None, "queue_position": 1})
            elif kind == "send" and chat is not None:
                relay.post(chat, sock, "guest", frame)
    finally:
        if chat is not None:
            chat.guests.discard(sock)
        await sock.close()


async def staff_socket(ws: WebSocket, relay: Relay) -> None:
    """A staff member: hello, claim, send."""
    await ws.accept()
    sock = Socket(ws)
    staff_id = _id()
    try:
        async for frame in _frames(ws):
            kind = frame.get("type")
            if kind == "hello":
                sock.offer({"type": "welcome", "staff": {"id": staff_id}, "store": {},
                            "queue": [], "mine": [], "online": []})
            elif kind == "claim":
                chat = relay.chats[frame["conversation_id"]]
                chat.staff, chat.staff_id = sock, staff_id
                sock.offer({"type": "conversation", "id": chat.id, "status": "active",
                            "staff_id": staff_id, "guest": {"id": chat.guest_token[:16]}})
                for guest in chat.guests:
                    guest.offer({"type": "conversation", "id": chat.id, "status": "active",
                                 "staff": {"name": "staff"}})
                relay.post(chat, sock, "system", {"client_msg_id": None, "kind": "system",
                                                  "text": "claimed"})
            elif kind == "send":
                chat = relay.chats[frame["conversation_id"]]
                relay.post(chat, sock, "staff", frame, staff_id)
    finally:
        await sock.close()


class VisitIn(BaseModel):
    """The same body as CHATS's `/visit`."""

    token: str | None = Field(default=None, max_length=200)
    url: str = Field(max_length=4000)
    title: str = Field(default="", max_length=1000)
    referrer: str | None = Field(default=None, max_length=4000)


class VisitOut(BaseModel):
    token: str
    availability: str
    unread: int


def create_app() -> FastAPI:
    """The relay's ASGI app."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    relay = Relay()

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/api/widget/{key}/visit", response_model=VisitOut)
    async def visit(key: str, body: VisitIn) -> VisitOut:
        return VisitOut(token=body.token or _id(), availability="waiting", unread=0)

    @app.websocket("/ws/guest")
    async def ws_guest(ws: WebSocket) -> None:
        await guest_socket(ws, relay)

    @app.websocket("/ws/staff")
    async def ws_staff(ws: WebSocket) -> None:
        await staff_socket(ws, relay)

    return app


def main() -> None:
    """`python -m bench.relay serve --port P`, with the socket options of `chats serve`."""
    parser = argparse.ArgumentParser(prog="bench.relay")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_level="warning",
                **SOCKET_OPTIONS)


if __name__ == "__main__":
    main()
