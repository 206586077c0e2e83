"""This process's sockets by channel; the broker's events are fanned out here.

An event is decoded once and the same `SharedFrame` goes to every subscriber, so its
client text is encoded once however many sockets write it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chats.events.audience import store_of_channel
from chats.realtime.connection import SharedFrame

if TYPE_CHECKING:
    from chats.realtime.connection import Connection

log = logging.getLogger(__name__)


class Hub:
    """Routes broker events to the local sockets subscribed to their channel.

    A channel with one socket (a guest's own, a staff member's with one tab) maps to that
    socket itself rather than to a set of one: there is such a channel per socket.
    """

    def __init__(self) -> None:
        self.by_channel: dict[str, Connection | set[Connection]] = {}
        self.connections: set[Connection] = set()

    def register(self, conn: Connection, channels: set[str]) -> None:
        """Subscribe a socket to channels."""
        self.connections.add(conn)
        for channel in channels:
            if channel in conn.channels:
                continue
            members = self.by_channel.get(channel)
            if members is None:
                self.by_channel[channel] = conn
            elif isinstance(members, set):
                members.add(conn)
            elif members is not conn:
                self.by_channel[channel] = {members, conn}
            conn.channels = (*conn.channels, channel)

    def unsubscribe(self, conn: Connection, channels: set[str]) -> None:
        """Stop a live socket's subscription to some channels (the others stay)."""
        for channel in channels & set(conn.channels):
            self._leave(conn, channel)
        conn.channels = tuple(c for c in conn.channels if c not in channels)

    def unregister(self, conn: Connection) -> None:
        """Forget a closed socket."""
        self.connections.discard(conn)
        for channel in conn.channels:
            self._leave(conn, channel)

    def _leave(self, conn: Connection, channel: str) -> None:
        members = self.by_channel.get(channel)
        if members is conn:
            del self.by_channel[channel]
        elif isinstance(members, set):
            members.discard(conn)
            if len(members) == 1:
                self.by_channel[channel] = members.pop()
            elif not members:
                del self.by_channel[channel]

    def local_stores(self) -> set[str]:
        """The stores with a socket in this process (from their store-wide channels)."""
        return {store for store in map(store_of_channel, self.by_channel) if store is not None}

    def has_subscribers(self, channel: str) -> bool:
        """Whether a socket of this process listens on `channel`."""
        return channel in self.by_channel

    def deliver(self, channel: str, frame: dict[str, object]) -> None:
        """Hand a frame built in this process to its local subscribers only (no broker)."""
        members = self.by_channel.get(channel)
        if members is None:
            return
        shared = SharedFrame(frame)
        for conn in (list(members) if isinstance(members, set) else [members]):
            conn.offer(shared)

    async def on_event(self, channel: str, data: str) -> None:
        """Broker handler: hand the frame to every local subscriber."""
        members = self.by_channel.get(channel)
        if members is None:
            return
        try:
            frame = SharedFrame.from_json(data)
        except ValueError:
            log.error("undecodable event", extra={"channel": channel})
            return
        if isinstance(members, set):
            for conn in list(members):
                conn.offer(frame)
        else:
            members.offer(frame)

    async def on_reconnect(self) -> None:
        """After a broker outage, every socket re-reads its conversations from the database."""
        for conn in list(self.connections):
            for conversation_id in list(conn.seen):
                conn.offer({"type": "_sync", "conversation_id": conversation_id})
            conn.offer({"type": "_refresh"})
