"""A lean protocol client: guest and staff sockets that record latency, loss and duplicates.

Every `send` carries its send time in the text (`t=<perf_counter_ns>`); the
receiving socket subtracts it from its own clock. Generator processes on one
machine share CLOCK_MONOTONIC, so no clock sync is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

Frame = dict[str, Any]
# Store-wide frames the load does not look at; skipped without parsing (the server
# writes `json.dumps` of a dict whose first key is `type`).
NOISE = tuple(f'{{"type": "{t}"' for t in
              ("queue", "online", "availability", "typing", "read", "guest_updated"))


def now_ns() -> int:
    return time.perf_counter_ns()


async def open_ws(url: str, **kw: Any) -> ClientConnection:
    """A client socket with the widget's settings: no client pings, no compression."""
    return await connect(url, max_size=2**23, compression=None, ping_interval=None,
                         open_timeout=60, close_timeout=2, **kw)


@dataclass
class Recorder:
    """What one measured span saw: sends, acks, deliveries and latencies."""

    window: tuple[int, int] = (0, 2**63)
    sent: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # cmid → conv, side, t
    acked: dict[str, int] = field(default_factory=dict)  # cmid → seq
    delivered: Counter[str] = field(default_factory=Counter)  # cmid → receipts by the peer
    ack_repeats: int = 0
    acks_in_window: int = 0
    latency: dict[str, list[int]] = field(default_factory=lambda: {
        "guest_to_staff": [], "staff_to_guest": [], "ack_guest": [], "ack_staff": []})
    errors: Counter[str] = field(default_factory=Counter)

    def on_ack(self, frame: Frame, at: int) -> None:
        cmid = frame.get("client_msg_id")
        sent = self.sent.get(cmid or "")
        if sent is None or cmid is None:
            return
        if cmid in self.acked:
            self.ack_repeats += 1
            return
        self.acked[cmid] = int(frame["seq"])
        _conv, side, t = sent
        if self.window[0] <= t < self.window[1]:
            self.latency[f"ack_{side}"].append(at - t)
            self.acks_in_window += 1

    def on_delivery(self, cmid: str, receiver: str, at: int) -> None:
        sent = self.sent.get(cmid)
        if sent is None:
            return
        self.delivered[cmid] += 1
        _conv, _side, t = sent
        if self.delivered[cmid] == 1 and self.window[0] <= t < self.window[1]:
            key = "guest_to_staff" if receiver == "staff" else "staff_to_guest"
            self.latency[key].append(at - t)

    def settled(self) -> bool:
        """Every send acked and delivered to its peer."""
        return len(self.acked) >= len(self.sent) and len(self.delivered) >= len(self.sent)


@dataclass
class SeqCheck:
    """Per-socket, per-conversation seq bookkeeping across the whole run."""

    repeats: int = 0
    gaps: int = 0
    highest: dict[str, int] = field(default_factory=dict)  # conversation → highest seq seen

    def see(self, conv: str, seq: int) -> None:
        if seq > self.highest.get(conv, 0):
            self.highest[conv] = seq


class Peer:
    """One socket of the load: reads frames in a task, resolves waits, records messages."""

    def __init__(self, ws: ClientConnection, side: str, run: Run) -> None:
        self.ws = ws
        self.side = side
        self.run = run
        self.last_seq: dict[str, int] = {}
        self.waiters: dict[str, asyncio.Future[Frame]] = {}
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                if isinstance(raw, str) and not raw.startswith(NOISE):
                    self.on_frame(json.loads(raw))

    def on_frame(self, frame: Frame) -> None:
        kind = frame.get("type")
        at = now_ns()
        if kind == "message":
            self.on_message(frame, at)
        elif kind == "ack":
            self.run.rec.on_ack(frame, at)
        elif kind == "error":
            self.run.rec.errors[str(frame.get("code"))] += 1
            self._resolve("error", frame)
        elif kind == "conversation":
            self._resolve(f"conversation:{frame.get('id')}:{frame.get('status')}", frame)
            self._resolve(f"conversation:{frame.get('status')}", frame)
        elif kind == "welcome":
            self._resolve("welcome", frame)

    def on_message(self, frame: Frame, at: int) -> None:
        conv, seq = frame["conversation_id"], int(frame["seq"])
        last = self.last_seq.get(conv, 0)
        check = self.run.seqs
        if seq <= last:
            check.repeats += 1
        else:
            if seq > last + 1:
                check.gaps += seq - last - 1
            self.last_seq[conv] = seq
        check.see(conv, seq)
        self.run.received += 1
        author = frame.get("author")
        cmid = frame.get("client_msg_id")
        if cmid and author != self.side and author in ("guest", "staff"):
            self.run.rec.on_delivery(cmid, self.side, at)
        waiter = self.waiters.get(f"seq:{conv}")
        if waiter is not None and seq >= getattr(waiter, "want_seq", 0) and not waiter.done():
            waiter.set_result(frame)

    def _resolve(self, key: str, frame: Frame) -> None:
        waiter = self.waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(frame)

    def expect(self, key: str) -> asyncio.Future[Frame]:
        fut: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self.waiters[key] = fut
        return fut

    def expect_seq(self, conv: str, seq: int) -> asyncio.Future[Frame]:
        """Resolves when a message of `conv` with at least `seq` arrives."""
        fut = self.expect(f"seq:{conv}")
        fut.want_seq = seq  # type: ignore[attr-defined]
        if self.last_seq.get(conv, 0) >= seq:
            fut.set_result({})
        return fut

    async def send(self, frame: Frame) -> None:
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


@dataclass
class Pair:
    """One conversation of the load: its guest socket and its staff member's socket."""

    conv: str
    guest: Peer
    staff: Peer
    token: str = ""


@dataclass
class Run:
    """The state shared by every socket of one load: the current recorder and seq checks."""

    rec: Recorder = field(default_factory=Recorder)
    seqs: SeqCheck = field(default_factory=SeqCheck)
    received: int = 0
    counter: int = 0
    tag: str = field(default_factory=lambda: f"{time.time_ns() % 10**9:x}")

    def next_id(self) -> str:
        self.counter += 1
        return f"b{self.tag}-{self.counter}"

    async def send_guest(self, pair: Pair) -> None:
        cmid, t = self.next_id(), now_ns()
        self.rec.sent[cmid] = (pair.conv, "guest", t)
        await pair.guest.send({"type": "send", "client_msg_id": cmid, "text": f"t={t} g"})

    async def send_staff(self, pair: Pair, text: str | None = None) -> str:
        cmid, t = self.next_id(), now_ns()
        self.rec.sent[cmid] = (pair.conv, "staff", t)
        await pair.staff.send({"type": "send", "conversation_id": pair.conv,
                               "client_msg_id": cmid, "kind": "text",
                               "text": text or f"t={t} s"})
        return cmid


async def connect_guest(ws_url: str, key: str, run: Run, token: str | None = None,
                        resume: Frame | None = None) -> tuple[Peer, Frame]:
    """A guest socket after `hello` → `welcome`."""
    peer = Peer(await open_ws(f"{ws_url}/ws/guest"), "guest", run)
    hello: Frame = {"type": "hello", "store": key}
    if token:
        hello["token"] = token
    if resume:
        hello["resume"] = resume
        peer.last_seq[resume["conversation_id"]] = int(resume["after_seq"])
    welcome = peer.expect("welcome")
    await peer.send(hello)
    return peer, await asyncio.wait_for(welcome, 60)


async def start_chat(peer: Peer) -> str:
    """`start` → the waiting conversation's id."""
    waiting = peer.expect("conversation:waiting")
    await peer.send({"type": "start", "nickname": "bench", "fields": {}})
    frame = await asyncio.wait_for(waiting, 60)
    return str(frame["id"])


async def login(http_url: str, login_id: str, password: str) -> str:
    """The session cookie of a staff member."""
    async with httpx.AsyncClient(base_url=http_url, timeout=60) as c:
        r = await c.post("/api/auth/login", json={"login_id": login_id, "password": password})
        r.raise_for_status()
        return str(c.cookies.get("chats_session") or "")


async def connect_staff(http_url: str, ws_url: str, cookie: str, run: Run) -> Peer:
    """A staff socket after `hello` → `welcome` (cookie and same-origin Origin header)."""
    ws = await open_ws(f"{ws_url}/ws/staff", origin=http_url,
                       additional_headers={"Cookie": f"chats_session={cookie}"})
    peer = Peer(ws, "staff", run)
    welcome = peer.expect("welcome")
    await peer.send({"type": "hello"})
    await asyncio.wait_for(welcome, 60)
    return peer


async def claim(staff: Peer, conv: str, attempts: int = 3) -> int:
    """`claim` → the active conversation; retried after an `error`. Returns the retries.

    One claim at a time per staff socket, so an `error` belongs to this claim.
    """
    for attempt in range(attempts):
        active = staff.expect(f"conversation:{conv}:active")
        refused = staff.expect("error")
        await staff.send({"type": "claim", "conversation_id": conv})
        done, _ = await asyncio.wait({active, refused}, timeout=60,
                                     return_when=asyncio.FIRST_COMPLETED)
        staff.waiters.pop("error", None)
        if active in done:
            return attempt
        if not done:
            break
    raise RuntimeError(f"claim of {conv} failed; errors so far: {dict(staff.run.rec.errors)}")
