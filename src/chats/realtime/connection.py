"""One client socket: a bounded outgoing queue drained by one writer task.

Message frames pass through `_deliver_message`, which keeps each conversation's
`seq` strictly increasing without gaps for this socket: a repeat is dropped, a
gap (a live frame lost by pub/sub, or one racing a resume) is filled from the
database first. So a client sees every seq once, in order, whatever the broker did.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chats.ids import new_id
from chats.services import messages as message_service

if TYPE_CHECKING:
    from chats.errors import ChatsError
    from chats.services.context import AppContext

log = logging.getLogger(__name__)

SEND_BUFFER = 1000  # frames; a client that stops reading is disconnected past this
MAX_FRAME = 64 * 1024
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009


class Connection:
    """State shared by guest and staff sockets."""

    kind = "socket"

    def __init__(self, ws: WebSocket, ctx: AppContext, locale: str) -> None:
        self.id = new_id()
        self.ws = ws
        self.ctx = ctx
        self.locale = locale
        self.channels: set[str] = set()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=SEND_BUFFER)
        self.seen: dict[str, int] = {}
        self.closed = False
        self.ready = False
        self._pending: list[dict[str, Any]] = []
        self._writer: asyncio.Task[None] | None = None

    # -- outgoing ---------------------------------------------------------
    def start_writer(self) -> None:
        """Begin draining the queue to the socket."""
        self._writer = asyncio.create_task(self._write_loop(), name=f"writer-{self.id}")

    def open(self, first: list[dict[str, Any]]) -> None:
        """Send `first` (the welcome) before anything that arrived while it was prepared."""
        pending, self._pending = self._pending, []
        self.ready = True
        for frame in [*first, *pending]:
            self.offer(frame)

    def offer(self, frame: dict[str, Any]) -> None:
        """Queue a frame without waiting; a full queue means a stuck client: close it."""
        if self.closed:
            return
        if not self.ready:
            self._pending.append(frame)
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("send buffer full, closing", extra={"socket": self.id})
            self.closed = True
            asyncio.get_running_loop().create_task(self.close(CLOSE_POLICY))

    def error(self, exc: ChatsError, ref: str | None = None) -> None:
        """Queue an `error` frame for a refusal."""
        frame: dict[str, Any] = {"type": "error", "code": exc.code,
                                 "message": exc.message(self.locale)}
        if ref:
            frame["ref"] = ref
        metrics = self.ctx.extras.get("metrics")
        if metrics is not None:
            metrics.errors.labels(exc.code).inc()
        self.offer(frame)

    async def _write_loop(self) -> None:
        try:
            while True:
                frame = await self.queue.get()
                if frame.get("type") == "message":
                    await self._deliver_message(frame)
                elif frame.get("type") == "_sync":
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

    async def send(self, frame: dict[str, Any]) -> None:
        """Write one frame now (writer task only), without internal `_` keys."""
        if any(k.startswith("_") for k in frame):
            frame = {k: v for k, v in frame.items() if not k.startswith("_")}
        await self.ws.send_text(json.dumps(frame, ensure_ascii=False))

    async def handle_event(self, frame: dict[str, Any]) -> None:
        """A non-message frame from the hub or the reader; subclasses filter or react."""
        await self.send(frame)

    def accepts(self, conversation_id: str) -> bool:
        """Whether messages of this conversation belong on this socket."""
        return True

    async def _deliver_message(self, frame: dict[str, Any]) -> None:
        cid, seq = frame["conversation_id"], int(frame["seq"])
        if not self.accepts(cid):
            return
        last = self.seen.get(cid, 0)
        if seq <= last:
            return
        if seq > last + 1:
            await self.sync(cid, upto=seq - 1)
            if seq <= self.seen.get(cid, 0):
                return
        await self.send(frame)
        self.seen[cid] = seq

    async def sync(self, conversation_id: str, upto: int | None = None) -> None:
        """Send every stored message after what this socket has seen (up to `upto`)."""
        while True:
            last = self.seen.get(conversation_id, 0)
            if upto is not None and last >= upto:
                return
            async with self.ctx.db.read() as session:
                rows = await message_service.messages_after(session, conversation_id, last)
                frames = await message_service.frames_for(session, rows)
            for frame in frames:
                if upto is not None and frame["seq"] > upto:
                    return
                await self.send(frame)
                self.seen[conversation_id] = frame["seq"]
            if len(frames) < message_service.MAX_PAGE:
                return

    async def close(self, code: int = 1000) -> None:
        """Close the socket (idempotent)."""
        self.closed = True
        if self.ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.ws.close(code)

    async def stop_writer(self) -> None:
        """Cancel the writer task."""
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
