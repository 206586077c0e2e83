"""In-process broker: for a single server process, and for tests."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from chats.broker.base import Broker, check_prefix, dispatch

if TYPE_CHECKING:
    from chats.broker.base import EventHandler, ReconnectHook

Event = tuple[str, str]


class MemoryBus:
    """The shared backend of in-memory brokers: brokers on one bus see each other."""

    def __init__(self) -> None:
        self._inboxes: dict[str, list[asyncio.Queue[Event]]] = {}

    def attach(self, prefix: str, inbox: asyncio.Queue[Event]) -> None:
        """Start routing events of `prefix` to `inbox`."""
        self._inboxes.setdefault(prefix, []).append(inbox)

    def detach(self, prefix: str, inbox: asyncio.Queue[Event]) -> None:
        """Stop routing events to `inbox`."""
        inboxes = self._inboxes.get(prefix, [])
        if inbox in inboxes:
            inboxes.remove(inbox)
        if not inboxes:
            self._inboxes.pop(prefix, None)

    def deliver(self, prefix: str, event: Event) -> None:
        """Queue `event` for every broker attached under `prefix`."""
        for inbox in self._inboxes.get(prefix, []):
            inbox.put_nowait(event)


class MemoryBroker(Broker):
    """Broker over a `MemoryBus`; handlers run in a task, never inside `publish`."""

    def __init__(
        self,
        *,
        prefix: str = "chats",
        bus: MemoryBus | None = None,
        on_reconnect: ReconnectHook | None = None,
    ) -> None:
        super().__init__(on_reconnect=on_reconnect)
        self._prefix = check_prefix(prefix)
        self._bus = bus if bus is not None else MemoryBus()
        self._inbox: asyncio.Queue[Event] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self, handler: EventHandler) -> None:
        """Attach to the bus and deliver events to `handler` from a task."""
        if self._closed or self._task is not None:
            raise RuntimeError("broker already started or closed")
        self._bus.attach(self._prefix, self._inbox)
        self._task = asyncio.create_task(self._consume(handler), name="memory-broker")

    async def publish(self, channel: str, data: str) -> None:
        """Queue the event for every broker on the bus with this prefix."""
        if self._closed:
            raise RuntimeError("broker is closed")
        self._bus.deliver(self._prefix, (channel, data))

    async def close(self) -> None:
        """Detach from the bus and stop the delivery task."""
        if self._closed:
            return
        self._closed = True
        self._bus.detach(self._prefix, self._inbox)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def ping(self) -> bool:
        """Always reachable."""
        return True

    @property
    def connected(self) -> bool:
        """True between `start` and `close`."""
        return self._task is not None and not self._closed

    async def _consume(self, handler: EventHandler) -> None:
        """Hand queued events to `handler` in order."""
        while True:
            channel, data = await self._inbox.get()
            await dispatch(handler, channel, data)
