"""One client socket's write side: frames in order, written by a task that exists only while
there is something to write.

An idle socket holds no task and no queue. `offer` appends a frame to a backlog made on
demand and starts a drain task when none runs; the task writes the backlog in order and ends
when it is empty, so a frame offered while a write is in flight waits behind it.

Message frames pass through `_deliver_message`, which keeps each conversation's `seq` strictly
increasing without gaps for this socket: a repeat is dropped; a frame that comes early (its
predecessor published by another process, or lost by pub/sub) is held for up to
`REORDER_WAIT`, and sent as soon as the missing frames arrive — else the gap is filled from
the database. So a client sees every seq once, in order, whatever the broker did.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chats.ids import new_id
from chats.services import messages as message_service

if TYPE_CHECKING:
    from chats.db.engine import Database
    from chats.errors import ChatsError
    from chats.metrics import Metrics

log = logging.getLogger(__name__)

SEND_BUFFER = 1000  # frames; a client that stops reading is disconnected past this
# How long a message frame that overtook its predecessor waits for it before the gap is
# read from the database. Two processes publish one conversation's messages (the guest's
# and the staff member's), so frames a millisecond apart can arrive swapped.
REORDER_WAIT = 0.2
MAX_FRAME = 64 * 1024
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009

Frame = dict[str, Any]


def client_text(frame: Frame) -> str:
    """The text a client receives for `frame`: JSON without the internal `_` keys."""
    if any(k.startswith("_") for k in frame):
        frame = {k: v for k, v in frame.items() if not k.startswith("_")}
    return json.dumps(frame, ensure_ascii=False)


class SharedFrame(dict[str, Any]):
    """A frame handed to many sockets, whose client text is encoded at most once.

    Every socket gets the same object, so handlers read it and never change it.
    """

    __slots__ = ("_text",)

    def __init__(self, frame: Frame, text: str | None = None) -> None:
        super().__init__(frame)
        self._text = text

    @classmethod
    def from_json(cls, data: str) -> SharedFrame:
        """Decode a published event; its own text is reused when it has no `_` keys.

        Events are published as `json.dumps(frame, ensure_ascii=False)`, which encoding the
        decoded frame again would reproduce character for character.
        """
        frame = json.loads(data)
        if not isinstance(frame, dict):
            raise ValueError("an event must be a JSON object")
        internal = any(k.startswith("_") for k in frame)
        return cls(frame, None if internal else data)

    def text(self) -> str:
        """The client text, encoded on first use."""
        if self._text is None:
            self._text = client_text(self)
        return self._text


class Connection:
    """State shared by guest and staff sockets."""

    kind = "socket"

    def __init__(self, ws: WebSocket, *, db: Database, metrics: Metrics, locale: str) -> None:
        self.id = new_id()
        self.ws = ws
        self.db = db
        self.metrics = metrics
        self.locale = locale
        self.channels: tuple[str, ...] = ()  # kept by the hub
        self.seen: dict[str, int] = {}
        self.closed = False
        self.ready = False
        # Made on demand: most sockets are idle most of the time.
        self._pending: list[Frame] | None = None  # offered before `open`
        self._backlog: deque[Frame] | None = None  # offered, not yet written
        self._drain: asyncio.Task[None] | None = None  # writes the backlog
        self._early: dict[str, dict[int, Frame]] | None = None  # per conversation, by seq

    # -- outgoing ---------------------------------------------------------
    def open(self, first: list[Frame]) -> None:
        """Send `first` (the welcome) before anything that arrived while it was prepared."""
        pending, self._pending = self._pending or [], None
        self.ready = True
        for frame in [*first, *pending]:
            self.offer(frame)

    def offer(self, frame: Frame) -> None:
        """Queue a frame without waiting; a full backlog means a stuck client: close it."""
        if self.closed:
            return
        if not self.ready:
            if self._pending is None:
                self._pending = []
            self._pending.append(frame)
            return
        backlog = self._backlog
        if backlog is None:
            backlog = self._backlog = deque()
        elif len(backlog) >= SEND_BUFFER:
            log.warning("send buffer full, closing", extra={"socket": self.id})
            self.closed = True
            asyncio.get_running_loop().create_task(self.close(CLOSE_POLICY))
            return
        backlog.append(frame)
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._write_backlog(backlog))

    def error(self, exc: ChatsError, ref: str | None = None) -> None:
        """Queue an `error` frame for a refusal."""
        frame: Frame = {"type": "error", "code": exc.code, "message": exc.message(self.locale)}
        if ref:
            frame["ref"] = ref
        self.metrics.errors.labels(exc.code).inc()
        self.offer(frame)

    async def _write_backlog(self, backlog: deque[Frame]) -> None:
        """Write the backlog in order until it is empty (the drain task)."""
        try:
            while backlog:
                frame = backlog.popleft()
                kind = frame.get("type")
                if kind == "message":
                    await self._deliver_message(frame)
                elif kind == "_sync":
                    await self.sync(frame["conversation_id"])
                else:
                    await self.handle_event(frame)
        except (WebSocketDisconnect, RuntimeError, ConnectionError):
            self.closed = True
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("writer failed", extra={"socket": self.id})
            await self.close(1011)
        finally:
            # No await between the last emptiness check and here: `offer` sees either a
            # running drain task or none, never one that has stopped draining.
            self._drain = None
            self._backlog = None

    async def send(self, frame: Frame) -> None:
        """Write one frame now (from the drain task, or before `open`), without `_` keys.

        A socket the server side has already closed raises WebSocketDisconnect, like one
        the client dropped: uvicorn answers a frame it cannot parse (text that is not
        UTF-8, say) with a close of its own, possibly while the reader is still refusing
        an earlier frame, and then refuses any send with a RuntimeError.
        """
        text = frame.text() if type(frame) is SharedFrame else client_text(frame)
        try:
            await self.ws.send_text(text)
        except RuntimeError as exc:
            self.closed = True
            raise WebSocketDisconnect(1006) from exc

    async def handle_event(self, frame: Frame) -> None:
        """A non-message frame from the hub or the reader; subclasses filter or react."""
        await self.send(frame)

    def accepts(self, conversation_id: str) -> bool:
        """Whether messages of this conversation belong on this socket."""
        return True

    async def _deliver_message(self, frame: Frame) -> None:
        cid, seq = frame["conversation_id"], int(frame["seq"])
        if not self.accepts(cid):
            return
        last = self.seen.get(cid, 0)
        if seq <= last:
            return
        if seq > last + 1:
            self._hold(cid, seq, frame)
            return
        await self.send(frame)
        self.seen[cid] = seq
        await self._release(cid)

    def _hold(self, cid: str, seq: int, frame: Frame) -> None:
        """Keep a frame that came before its predecessor; fill the gap later if need be."""
        early = self._early
        if early is None:
            early = self._early = {}
        held = early.setdefault(cid, {})
        if not held:
            asyncio.get_running_loop().call_later(REORDER_WAIT, self._gap_timeout, cid)
        held[seq] = frame

    def _gap_timeout(self, cid: str) -> None:
        if self._early and self._early.get(cid):
            self.offer({"type": "_sync", "conversation_id": cid})

    async def _release(self, cid: str) -> None:
        """Send the held frames that now follow on; forget those already sent."""
        early = self._early
        held = early.get(cid) if early else None
        if held is None or early is None:
            return
        while held:
            following = self.seen.get(cid, 0) + 1
            for stale in [s for s in held if s < following]:
                del held[stale]
            frame = held.pop(following, None)
            if frame is None:
                break
            await self.send(frame)
            self.seen[cid] = following
        if not held:
            del early[cid]
            if not early:
                self._early = None

    async def sync(self, conversation_id: str, upto: int | None = None) -> None:
        """Send every stored message after what this socket has seen (up to `upto`)."""
        while True:
            last = self.seen.get(conversation_id, 0)
            if upto is not None and last >= upto:
                return
            async with self.db.read() as session:
                rows = await message_service.messages_after(session, conversation_id, last)
                frames = await message_service.frames_for(session, rows)
            for frame in frames:
                if upto is not None and frame["seq"] > upto:
                    return
                await self.send(frame)
                self.seen[conversation_id] = frame["seq"]
            if len(frames) < message_service.MAX_PAGE:
                await self._release(conversation_id)
                return

    async def close(self, code: int = 1000) -> None:
        """Close the socket (idempotent)."""
        self.closed = True
        if self.ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.ws.close(code)

    async def stop_writing(self) -> None:
        """Drop what is not written yet and stop the drain task, if one runs."""
        drain = self._drain
        if drain is not None:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await drain
