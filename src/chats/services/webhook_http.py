"""The webhook deliverer's HTTP/1.1 client: h11 over asyncio streams, kept-alive per target.

Decision 0014: httpx (with httpcore and anyio under it) cost about 1.2 ms of the chat
process's CPU per POST; this does the same exchange in a fraction of it. The protocol is
h11's (a maintained, strict HTTP/1.1 state machine, already beneath uvicorn and httpx);
what is ours is only the plumbing: open a connection to a checked address (TLS with the
URL's host name), write a request in one write, read the answer up to a limit, keep the
connection for the next request when both sides may go on.

A request that finds a kept connection closed by the receiver before any answer is sent
again once on a new connection; webhooks are delivered at least once and carry their
`webhook-id`, so a receiver that did get the first drops the repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from dataclasses import dataclass

import h11

IDLE_SECONDS = 30.0
"""How long a kept connection may wait for its next request before it is closed."""
KEEP_PER_TARGET = 4
READ_SIZE = 65536


class PostError(Exception):
    """No complete answer; the text names what failed (``ConnectError: …``, ``ReadError: …``)."""


class _Stale(Exception):
    """A kept connection that the receiver had closed: nothing of an answer arrived."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where one POST goes: a checked address, with the URL's own host for Host and TLS."""

    scheme: str
    address: str
    port: int
    host_header: str
    server_name: str
    path: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return self.scheme, self.address, self.port, self.server_name


@dataclass(frozen=True, slots=True)
class Answer:
    """The receiver's status and the start of its body (at most the read limit)."""

    status: int
    body: bytes


class _Connection:
    __slots__ = ("idle_since", "proto", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.proto = h11.Connection(h11.CLIENT)
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        return (now - self.idle_since < IDLE_SECONDS and not self.writer.is_closing()
                and not self.reader.at_eof() and self.proto.our_state is h11.IDLE)

    def close(self) -> None:
        self.writer.close()


class WebhookHttp:
    """POSTs to checked targets; one instance per deliverer, closed with `aclose`."""

    def __init__(self, *, user_agent: str, keep_per_target: int = KEEP_PER_TARGET,
                 tls: ssl.SSLContext | None = None) -> None:
        """`tls`: how HTTPS receivers are verified (default: the system's CA certificates
        and the URL's host name)."""
        self._user_agent = user_agent
        self._keep = keep_per_target
        self._idle: dict[tuple[str, str, int, str], deque[_Connection]] = {}
        self._tls = tls

    async def post(self, target: Target, headers: list[tuple[str, str]], body: bytes,
                   read_limit: int) -> Answer:
        """Send one POST and read its answer; raises `PostError` when none came whole.

        The caller bounds the time: on cancellation the connection is closed, never kept.
        """
        request = [("host", target.host_header), ("user-agent", self._user_agent),
                   ("content-length", str(len(body))), *headers]
        for attempt in range(2):
            conn = self._take(target.key)
            kept = conn is not None
            if conn is None:
                conn = await self._open(target)
            try:
                answer, reusable = await self._exchange(conn, target.path, request, body,
                                                        read_limit)
            except _Stale as exc:
                conn.close()
                if kept and attempt == 0:
                    continue
                raise PostError(f"ReadError: {exc}") from None
            except BaseException:
                conn.close()
                raise
            if reusable:
                self._give_back(target.key, conn)
            else:
                conn.close()
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def prune(self) -> None:
        """Close kept connections that waited too long (called between delivery passes)."""
        now = time.monotonic()
        for key in list(self._idle):
            waiting = self._idle[key]
            for conn in [c for c in waiting if not c.usable(now)]:
                waiting.remove(conn)
                conn.close()
            if not waiting:
                del self._idle[key]

    async def aclose(self) -> None:
        """Close every kept connection."""
        idle, self._idle = self._idle, {}
        closing = [conn for waiting in idle.values() for conn in waiting]
        for conn in closing:
            conn.close()
        for conn in closing:
            with contextlib.suppress(OSError, ssl.SSLError):
                await conn.writer.wait_closed()

    def _take(self, key: tuple[str, str, int, str]) -> _Connection | None:
        waiting = self._idle.get(key)
        now = time.monotonic()
        while waiting:
            conn = waiting.pop()  # the most recently used: the likeliest still open
            if conn.usable(now):
                return conn
            conn.close()
        return None

    def _give_back(self, key: tuple[str, str, int, str], conn: _Connection) -> None:
        waiting = self._idle.setdefault(key, deque())
        if len(waiting) >= self._keep:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        waiting.append(conn)

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    async def _open(self, target: Target) -> _Connection:
        tls = self._tls_context() if target.scheme == "https" else None
        try:
            reader, writer = await asyncio.open_connection(
                target.address, target.port, ssl=tls,
                server_hostname=target.server_name if tls is not None else None)
        except (OSError, ssl.SSLError) as exc:
            raise PostError(f"ConnectError: {exc}") from None
        return _Connection(reader, writer)

    async def _exchange(self, conn: _Connection, path: str, headers: list[tuple[str, str]],
                        body: bytes, read_limit: int) -> tuple[Answer, bool]:
        """Write the request, read the answer; the bool: the connection may be kept."""
        proto = conn.proto
        try:
            data = proto.send(h11.Request(method="POST", target=path, headers=headers)) or b""
            data += proto.send(h11.Data(data=body)) or b""
            data += proto.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise PostError(f"LocalProtocolError: {exc}") from None
        reading = _Reading(read_limit)
        try:
            conn.writer.write(data)
            await conn.writer.drain()
            while not reading.done:
                event = proto.next_event()
                if event is h11.NEED_DATA:
                    received = await conn.reader.read(READ_SIZE)
                    if not received and not reading.answered:
                        raise _Stale("the connection was closed before an answer")
                    reading.answered = True
                    proto.receive_data(received)
                else:
                    reading.take(event)
        except (ConnectionError, OSError) as exc:
            if not reading.answered:
                raise _Stale(str(exc) or type(exc).__name__) from None
            raise PostError(f"ReadError: {exc}") from None
        except h11.RemoteProtocolError as exc:
            raise PostError(f"RemoteProtocolError: {exc}") from None
        answer = Answer(reading.status, b"".join(reading.chunks))
        if reading.cut:  # the rest of the body is not read: the connection cannot go on
            return answer, False
        reusable = proto.our_state is h11.DONE and proto.their_state is h11.DONE
        if reusable:
            proto.start_next_cycle()
        return answer, reusable


class _Reading:
    """One answer as it is read: status, body up to the limit, whether it has ended."""

    __slots__ = ("answered", "chunks", "cut", "done", "limit", "size", "status")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.answered = False
        self.status = 0
        self.chunks: list[bytes] = []
        self.size = 0
        self.done = False
        self.cut = False

    def take(self, event: object) -> None:
        if isinstance(event, h11.Response):
            self.status = event.status_code
        elif isinstance(event, h11.Data):
            piece = bytes(event.data[:self.limit - self.size])
            self.chunks.append(piece)
            self.size += len(piece)
            if self.size >= self.limit:  # enough to show
                self.done = self.cut = True
        elif isinstance(event, h11.EndOfMessage):
            self.done = True
        elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            raise PostError("RemoteProtocolError: the server closed the connection")
        # InformationalResponse (100 Continue and the like): read on
