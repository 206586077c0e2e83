"""Store-wide state frames (queue, online staff, availability), coalesced per store.

Many changes in a burst cause one snapshot: a store marked dirty while its
snapshot is being read is read again afterwards, so the last frame a client
gets always reflects the last change this process made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from chats.domain.availability import store_availability
from chats.domain.queue import queue_position
from chats.realtime.audience import guest_channel, store_guests_channel, store_staff_channel
from chats.services import state

if TYPE_CHECKING:
    from chats.services.context import AppContext

log = logging.getLogger(__name__)


class StateNotifier:
    """Publishes a store's queue, online list and availability after changes."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._dirty: set[str] = set()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._timers: set[asyncio.TimerHandle] = set()
        self._watch: asyncio.Task[None] | None = None
        self._watched: dict[str, frozenset[str]] = {}  # store → online staff at the last look

    def notify(self, store_id: str) -> None:
        """Something changed in the store: publish fresh state soon."""
        self._dirty.add(store_id)
        if store_id not in self._running:
            task = asyncio.get_running_loop().create_task(self._run(store_id))
            self._running[store_id] = task

    def notify_later(self, store_id: str, delay: float) -> None:
        """Publish again after `delay` (a presence grace period ending)."""
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            if handle is not None:
                self._timers.discard(handle)
            self.notify(store_id)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def start_presence_watch(self) -> None:
        """Look at the online lists of this process's stores every quarter presence TTL."""
        self._watch = asyncio.get_running_loop().create_task(self._watch_presence())

    async def _watch_presence(self) -> None:
        # A server process that dies cannot announce that its staff went offline: their
        # presence entries simply expire. Whoever holds sockets of the store notices here.
        interval = self.ctx.settings.presence_ttl_seconds / 4
        while True:
            await asyncio.sleep(interval)
            try:
                await self.look_at_presence()
            except Exception:
                log.exception("presence watch failed")

    async def look_at_presence(self) -> None:
        """Publish fresh state for each local store whose online staff changed since last time."""
        stores = self.ctx.hub.local_stores()
        for store_id in list(self._watched):
            if store_id not in stores:
                del self._watched[store_id]
        for store_id in stores:
            online = frozenset(await self.ctx.presence.online(store_id))
            before = self._watched.get(store_id)
            self._watched[store_id] = online
            if before is not None and before != online:
                self.notify(store_id)

    async def _run(self, store_id: str) -> None:
        try:
            while store_id in self._dirty:
                self._dirty.discard(store_id)
                try:
                    await self.publish_state(store_id)
                except Exception:
                    log.exception("state publish failed", extra={"store_id": store_id})
        finally:
            self._running.pop(store_id, None)

    async def publish_state(self, store_id: str) -> None:
        """Read the store's live state and publish it to its staff and guests."""
        ctx = self.ctx
        async with ctx.db.read() as session:
            online = await state.online_staff(session, ctx.presence, store_id)
            queue = await state.waiting_queue(session, store_id)
        availability = store_availability(state.loads(online))
        await ctx.publish_all([
            (store_staff_channel(store_id), {"type": "queue", "waiting": state.queue_list(queue)}),
            (store_staff_channel(store_id), state.online_frame(online)),
            (store_guests_channel(store_id),
             {"type": "availability", "status": availability.value}),
            *[
                (guest_channel(item.guest_id),
                 {"type": "_queue_position", "conversation_id": item.conversation_id,
                  "queue_position": queue_position(queue, item.conversation_id)})
                for item in queue
            ],
        ])

    async def close(self) -> None:
        """Cancel pending work (server shutdown)."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        for handle in self._timers:
            handle.cancel()
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
