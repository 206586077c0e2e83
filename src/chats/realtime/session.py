"""The read side of a socket: hello first, then frames one by one, refusals as `error`."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocketDisconnect

from chats.domain.ratelimit import TokenBucket
from chats.errors import ChatsError
from chats.realtime.connection import CLOSE_POLICY, Connection
from chats.realtime.protocol import BadFrame, parse_frame

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pydantic import TypeAdapter

    from chats.realtime.hub import Hub

log = logging.getLogger(__name__)
HELLO_TIMEOUT = 30.0


class SocketSession:
    """Reads frames for one connection and turns every refusal into an `error` frame."""

    __slots__ = ("abuse", "adapter", "conn", "hub", "known", "metrics", "warned")

    def __init__(self, conn: Connection, hub: Hub, adapter: TypeAdapter[Any],
                 known: set[str]) -> None:
        self.conn = conn
        self.hub = hub
        self.adapter = adapter
        self.known = known
        # Refusals are cheap to answer but not free: persistent abuse closes with 1008.
        self.abuse = TokenBucket(capacity=500, refill_per_second=50)
        self.warned = False
        self.metrics = conn.metrics
        self.metrics.sockets.labels(conn.kind).inc()

    async def _receive(self, timeout: float | None = None) -> str | None:
        """The next text frame; None when the socket closed."""
        while True:
            if timeout is None:
                msg = await self.conn.ws.receive()
            else:
                msg = await asyncio.wait_for(self.conn.ws.receive(), timeout)
            if msg["type"] == "websocket.disconnect":
                return None
            text = msg.get("text")
            if text is not None:
                return str(text)
            await self._refuse(BadFrame(detail="binary"), direct=not self.conn.ready)

    def _warn_once(self, what: str, detail: str) -> None:
        # A client's mistake is worth one line, never a traceback: a hostile client would
        # otherwise write the log for us, a line per frame.
        if not self.warned:
            self.warned = True
            log.warning(what, extra={"socket": self.conn.id, "kind": self.conn.kind,
                                     "detail": detail[:200]})

    async def _refuse(self, exc: ChatsError, *, direct: bool, ref: str | None = None) -> None:
        if not self.abuse.try_take(time.monotonic()):
            self._warn_once("socket closed for abuse", "too many refused frames")
            await self.conn.close(CLOSE_POLICY)
            raise WebSocketDisconnect(CLOSE_POLICY)
        if isinstance(exc, BadFrame):
            self._warn_once("bad frame refused", str(exc.params.get("detail", "")))
        if direct:
            await self.conn.send({"type": "error", "code": exc.code,
                                  "message": exc.message(self.conn.locale),
                                  **({"ref": ref} if ref else {})})
        else:
            self.conn.error(exc, ref)

    async def wait_hello(self, hello_type: type[Any]) -> Any | None:
        """Frames until a valid `hello` (others are refused); None if the client left."""
        deadline = time.monotonic() + HELLO_TIMEOUT
        try:
            while True:
                raw = await self._receive(max(0.1, deadline - time.monotonic()))
                if raw is None:
                    return None
                try:
                    frame = parse_frame(raw, self.adapter, self.known)
                except BadFrame as exc:
                    await self._refuse(exc, direct=True, ref=exc.ref)
                    continue
                if isinstance(frame, hello_type):
                    return frame
                await self._refuse(BadFrame(detail="hello first"), direct=True)
        except (TimeoutError, WebSocketDisconnect):
            await self.conn.close(CLOSE_POLICY)
            return None

    async def serve(self, handler: Callable[[Any], Awaitable[None]]) -> None:
        """Read and handle frames until the socket closes."""
        # `_receive` inlined: an idle socket waits here, and each coroutine frame on its
        # stack lives as long as the socket.
        conn = self.conn
        try:
            while not conn.closed:
                msg = await conn.ws.receive()
                if msg["type"] == "websocket.disconnect":
                    return
                text = msg.get("text")
                if text is None:
                    await self._refuse(BadFrame(detail="binary"), direct=not conn.ready)
                    continue
                await self._one(str(text), handler)
        except WebSocketDisconnect:
            return

    async def _one(self, raw: str, handler: Callable[[Any], Awaitable[None]]) -> None:
        ref: str | None = None
        try:
            frame = parse_frame(raw, self.adapter, self.known)
            ref = getattr(frame, "client_msg_id", None)
            self.metrics.frames_in.labels(frame.type).inc()
            await handler(frame)
        except BadFrame as exc:
            await self._refuse(exc, direct=False, ref=exc.ref)
        except ChatsError as exc:
            await self._refuse(exc, direct=False, ref=ref)
        except WebSocketDisconnect:
            raise
        except Exception:
            log.exception("frame handling failed", extra={"socket": self.conn.id})
            await self._refuse(ChatsError("conflict"), direct=False, ref=ref)

    async def finish(self) -> None:
        """Unsubscribe, stop writing and close."""
        conn = self.conn
        self.hub.unregister(conn)
        conn.closed = True
        await conn.stop_writing()
        await conn.close()
        self.metrics.sockets.labels(conn.kind).dec()
        closed_hook = getattr(conn, "on_closed", None)
        if closed_hook is not None:
            try:
                await closed_hook()
            except Exception:
                log.exception("socket cleanup failed", extra={"socket": conn.id})
