"""Store-wide state frames (queue, online staff, availability), coalesced per store.

Many changes in a burst cause one snapshot: a store marked dirty while its
snapshot is being read is read again afterwards, so the last frame a client
gets always reflects the last change this process made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from chats.domain.availability import Availability, store_availability
from chats.domain.queue import queue_position
from chats.events.audience import (
    guest_channel,
    store_guests_channel,
    store_staff_channel,
    store_supervisors_channel,
)
from chats.services import business_hours as hours_service
from chats.services import conversations as conversation_service
from chats.services import state, supervision
from chats.services import waits as wait_service

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from chats.broker.presence import Presence
    from chats.config import Settings
    from chats.db.engine import Database
    from chats.events.unit_of_work import Publisher
    from chats.ids import Clock
    from chats.realtime.hub import Hub

log = logging.getLogger(__name__)

# A burst of messages in a store refreshes the supervisors' overview once per this long.
OVERVIEW_DELAY = 0.25
# What a change publishes to the store's supervisors: not the overview itself, which costs
# a read of every open chat, but word that it changed. Only a process with supervisor
# sockets of the store reads it, once for all of them (`refresh_overview`).
OVERVIEW_CHANGED: dict[str, Any] = {"type": "_overview"}


class StateNotifier:
    """Publishes a store's queue, online list and availability after changes.

    Also when a store's business hours open or close (issue 16): each publish books a
    call at the next change of the store's hours (`clock`), and the presence watch makes
    sure every store with sockets here has been looked at once.
    """

    def __init__(self, *, settings: Settings, db: Database, presence: Presence, hub: Hub,
                 publisher: Publisher, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._hours_calls: dict[str, Callable[[], None]] = {}  # store → cancel its call
        self._hours_seen: set[str] = set()
        self.db = db
        self.presence = presence
        self.hub = hub
        self.publisher = publisher
        self._dirty: set[str] = set()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._timers: set[asyncio.TimerHandle] = set()
        self._watch: asyncio.Task[None] | None = None
        self._watched: dict[str, frozenset[str]] = {}  # store → online staff at the last look
        # (store, staff) → when this process first saw the staff member offline with chats
        self._absent_since: dict[tuple[str, str], float] = {}
        self.waits = wait_service.WaitEstimates(db)
        self._overview_due: set[str] = set()
        self._overview_tasks: set[asyncio.Task[None]] = set()
        self._overview_dirty: set[str] = set()
        self._overview_reads: dict[str, asyncio.Task[None]] = {}

    def notify(self, store_id: str) -> None:
        """Something changed in the store: publish fresh state soon."""
        self._dirty.add(store_id)
        if store_id not in self._running:
            task = asyncio.get_running_loop().create_task(self._run(store_id))
            self._running[store_id] = task

    def notify_overview(self, store_id: str) -> None:
        """A message or a read changed the store's overview (last message, unread, wait)."""
        if store_id in self._overview_due:
            return
        self._overview_due.add(store_id)
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            if handle is not None:
                self._timers.discard(handle)
            self._overview_due.discard(store_id)
            task = loop.create_task(self._publish_overview(store_id))
            self._overview_tasks.add(task)
            task.add_done_callback(self._overview_tasks.discard)

        handle = loop.call_later(OVERVIEW_DELAY, fire)
        self._timers.add(handle)

    async def _publish_overview(self, store_id: str) -> None:
        try:
            await self.publisher.publish_all([(store_supervisors_channel(store_id),
                                               OVERVIEW_CHANGED)])
        except Exception:
            log.exception("overview publish failed", extra={"store_id": store_id})

    def refresh_overview(self, store_id: str) -> None:
        """A supervisor socket here heard that the overview changed: read it for all of them.

        Coalesced like `notify`: word arriving while the overview is being read makes one
        more read afterwards, so the last frame reflects the last change.
        """
        self._overview_dirty.add(store_id)
        if store_id not in self._overview_reads:
            task = asyncio.get_running_loop().create_task(self._read_overview(store_id))
            self._overview_reads[store_id] = task

    async def _read_overview(self, store_id: str) -> None:
        channel = store_supervisors_channel(store_id)
        try:
            while store_id in self._overview_dirty:
                self._overview_dirty.discard(store_id)
                if not self.hub.has_subscribers(channel):
                    continue
                async with self.db.read() as session:
                    frame = await supervision.overview_frame(session, store_id)
                self.hub.deliver(channel, frame)
        except Exception:
            log.exception("overview read failed", extra={"store_id": store_id})
        finally:
            self._overview_reads.pop(store_id, None)

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
        interval = self.settings.presence_ttl_seconds / 4
        while True:
            await asyncio.sleep(interval)
            try:
                await self.look_at_presence()
            except Exception:
                log.exception("presence watch failed")

    async def look_at_presence(self) -> None:
        """Publish fresh state for each local store whose online staff changed since last time."""
        stores = self.hub.local_stores()
        for store_id in list(self._watched):
            if store_id not in stores:
                del self._watched[store_id]
        for store_id in self._hours_seen - set(stores):
            self._book_hours(store_id, None)
            self._hours_seen.discard(store_id)
        for store_id in stores:
            if store_id not in self._hours_seen:
                self.notify(store_id)  # books the call at its hours' next change
            online = frozenset(await self.presence.online(store_id))
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
        await self._release_absent(store_id)
        async with self.db.read() as session:
            hours = await hours_service.state_now(session, store_id, self.clock.now())
            online = await state.online_staff(session, self.presence, store_id)
            queue = await state.waiting_queue(session, store_id)
            availability = store_availability(state.loads(online)) if hours.open \
                else Availability.AWAY
            busy = availability is Availability.BUSY
            queue_open = busy and await wait_service.queue_when_busy(session, store_id)
        self._hours_seen.add(store_id)
        self._book_hours(store_id, hours.changes_at)
        guests_frame: dict[str, Any] = {"type": "availability", "status": availability.value}
        opens_at = hours.opens_at_local
        if not hours.open:
            guests_frame["opens_at"] = opens_at
        if busy:
            guests_frame["busy"] = wait_service.busy_info(
                waiting=len(queue), estimate=await self.waits.get(store_id),
                queue_open=queue_open)
        await self.publisher.publish_all([
            (store_staff_channel(store_id), {"type": "queue", "waiting": state.queue_list(queue)}),
            (store_staff_channel(store_id), state.online_frame(online)),
            (store_staff_channel(store_id),
             {"type": "hours", "open": hours.open, "opens_at": opens_at}),
            (store_supervisors_channel(store_id), OVERVIEW_CHANGED),
            (store_guests_channel(store_id), guests_frame),
            *[
                (guest_channel(item.guest_id),
                 {"type": "_queue_position", "conversation_id": item.conversation_id,
                  "queue_position": queue_position(queue, item.conversation_id)})
                for item in queue
            ],
        ])

    def _book_hours(self, store_id: str, when: datetime | None) -> None:
        """Publish again when the store's hours next open or close (None: no such time)."""
        cancel = self._hours_calls.pop(store_id, None)
        if cancel is not None:
            cancel()
        if when is None:
            return

        def fire() -> None:
            if self._hours_calls.get(store_id) is cancel_this:
                del self._hours_calls[store_id]
            self.notify(store_id)

        cancel_this = self.clock.call_at(when, fire)
        self._hours_calls[store_id] = cancel_this

    async def _release_absent(self, store_id: str) -> None:
        """No chat without an owner: chats of staff offline for too long go back to the queue.

        The clock starts when this process first sees the member offline (after the
        presence grace) and a look is booked for when it runs out; a member back in
        time keeps its chats.
        """
        online = await self.presence.online(store_id)
        async with self.db.read() as session:
            absent = await conversation_service.absent_assignees(session, store_id, online)
        now, hold = time.monotonic(), self.settings.offline_release_seconds
        for key in [k for k in self._absent_since if k[0] == store_id and k[1] not in absent]:
            del self._absent_since[key]
        due: set[str] = set()
        for staff_id in absent:
            since = self._absent_since.setdefault((store_id, staff_id), now)
            if now - since >= hold:
                due.add(staff_id)
            elif since == now:
                self.notify_later(store_id, hold + 0.05)
        if not due:
            return
        async with self.publisher.unit_of_work() as uow:
            await conversation_service.release_absent(uow, store_id=store_id, staff_ids=due)
        for staff_id in due:
            self._absent_since.pop((store_id, staff_id), None)

    async def close(self) -> None:
        """Cancel pending work (server shutdown)."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        for handle in self._timers:
            handle.cancel()
        for cancel in self._hours_calls.values():
            cancel()
        for overview in [*self._overview_tasks, *self._overview_reads.values()]:
            overview.cancel()
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
