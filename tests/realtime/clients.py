"""Protocol clients for tests: a guest and a staff member over real WebSockets."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.factories import PASSWORD
from tests.servers import http_client

Frame = dict[str, Any]


class WsClient:
    """A WebSocket speaking JSON frames, with waits that never sleep."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[Frame] = []  # everything received, in order
        self._unmatched: list[Frame] = []  # received and not yet returned by expect()

    async def send(self, frame: Frame) -> None:
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def recv(self, timeout: float = 5.0) -> Frame:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        frame: Frame = json.loads(raw)
        self.frames.append(frame)
        self._unmatched.append(frame)
        return frame

    async def expect(self, kind: str, pred: Callable[[Frame], bool] | None = None,
                     timeout: float = 5.0) -> Frame:
        """The first frame of `kind` matching `pred` not returned before (waits for it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for i, frame in enumerate(self._unmatched):
                if frame.get("type") == kind and (pred is None or pred(frame)):
                    del self._unmatched[i]
                    return frame
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [f.get("type") for f in self.frames[-10:]]
                raise AssertionError(f"no {kind!r} frame within {timeout}s (last: {seen})")
            await self.recv(remaining)

    def messages(self, conversation_id: str) -> list[Frame]:
        return [f for f in self.frames
                if f.get("type") == "message" and f["conversation_id"] == conversation_id]

    async def close(self) -> None:
        await self.ws.close()


# A test's client keeps reading into memory whatever the test does not ask for: with
# the library's bounded queue it would stop reading the socket, and closing a socket
# with frames still unread then waits out the 10 s close timeout. Tests of slow
# readers connect with their own small queue.
UNREAD = None


class Guest(WsClient):
    token: str
    guest_id: str
    welcome: Frame

    @classmethod
    async def connect(cls, ws_url: str, widget_key: str, token: str | None = None,
                      resume: Frame | None = None, **extra: Any) -> Guest:
        ws = await connect(f"{ws_url}/ws/guest", max_size=2**22, max_queue=UNREAD)
        guest = cls(ws)
        hello: Frame = {"type": "hello", "store": widget_key, **extra}
        if token:
            hello["token"] = token
        if resume:
            hello["resume"] = resume
        await guest.send(hello)
        guest.welcome = await guest.expect("welcome")
        guest.token = guest.welcome["token"]
        guest.guest_id = guest.welcome["guest_id"]
        return guest

    async def start(self, nickname: str = "ゲスト", **fields: str) -> Frame:
        await self.send({"type": "start", "nickname": nickname, "fields": fields})
        return await self.expect("conversation", lambda f: f["status"] == "waiting")

    async def say(self, text: str, client_msg_id: str | None = None) -> Frame:
        cid = client_msg_id or str(uuid.uuid4())
        await self.send({"type": "send", "client_msg_id": cid, "text": text})
        return await self.expect("ack", lambda f: f["client_msg_id"] == cid)


class Staff(WsClient):
    welcome: Frame

    @classmethod
    async def login(cls, http_url: str, login_id: str, password: str = PASSWORD) -> str:
        async with http_client(base_url=http_url) as c:
            r = await c.post("/api/auth/login", json={"login_id": login_id, "password": password})
            assert r.status_code == 200, r.text
            cookie = c.cookies.get("chats_session")
            assert cookie
            return cookie

    @classmethod
    async def connect(cls, http_url: str, ws_url: str, login_id: str, *,
                      cookie: str | None = None, resume: dict[str, int] | None = None) -> Staff:
        cookie = cookie or await cls.login(http_url, login_id)
        ws = await connect(f"{ws_url}/ws/staff", origin=http_url,  # type: ignore[arg-type]
                           additional_headers={"Cookie": f"chats_session={cookie}"},
                           max_size=2**22, max_queue=UNREAD)
        staff = cls(ws)
        staff.cookie = cookie
        hello: Frame = {"type": "hello"}
        if resume:
            hello["resume"] = resume
        await staff.send(hello)
        staff.welcome = await staff.expect("welcome")
        return staff

    cookie: str

    async def claim(self, conversation_id: str) -> Frame:
        await self.send({"type": "claim", "conversation_id": conversation_id})
        return await self.expect("conversation", lambda f: f["id"] == conversation_id
                                 and f["status"] == "active")

    async def say(self, conversation_id: str, text: str,
                  client_msg_id: str | None = None) -> Frame:
        cid = client_msg_id or str(uuid.uuid4())
        await self.send({"type": "send", "conversation_id": conversation_id,
                         "client_msg_id": cid, "kind": "text", "text": text})
        return await self.expect("ack", lambda f: f["client_msg_id"] == cid)


async def claim_race(staff: list[Staff], guest: Guest) -> list[str]:
    """Every staff member claims the guest's new chat at once; each one's outcome, sorted."""
    cid = (await guest.start())["id"]
    for s in staff:
        await s.expect("queue", lambda f: any(w["conversation_id"] == cid for w in f["waiting"]))
    await asyncio.gather(*[s.send({"type": "claim", "conversation_id": cid}) for s in staff])

    async def outcome(s: Staff) -> str:
        while True:
            frame = await s.recv()
            if frame["type"] == "conversation" and frame["id"] == cid:
                return "won"
            if frame["type"] == "error":
                return str(frame["code"])

    return sorted(await asyncio.gather(*[outcome(s) for s in staff]))
