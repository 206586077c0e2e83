"""Staff presence: which staff members of a store are online, shared across processes.

Each (staff, socket) entry carries an expiry time. A live socket expires `ttl`
seconds after its last connect or heartbeat, so the sockets of a crashed
process disappear by themselves; a closed socket expires after its grace period.
A staff member is online while any of its entries is unexpired.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable

from chats.broker.base import check_prefix

Clock = Callable[[], float]
"""Returns the current time in seconds; injectable so tests need not sleep."""

DEFAULT_TTL = 60.0


def member(staff_id: str, socket_id: str) -> str:
    """The entry name `{staff_id}|{socket_id}`; a '|' in the staff id is refused."""
    if "|" in staff_id:
        raise ValueError(f"staff id must not contain '|': {staff_id!r}")
    return f"{staff_id}|{socket_id}"


def staff_of(entry: str) -> str:
    """The staff id of an entry name."""
    return entry.split("|", 1)[0]


class Presence(ABC):
    """Which staff are online, per store."""

    @abstractmethod
    async def connect(self, store_id: str, staff_id: str, socket_id: str) -> None:
        """Mark a staff socket live (its welcome was sent)."""

    @abstractmethod
    async def heartbeat(self, store_id: str, staff_id: str, socket_id: str) -> None:
        """Refresh a live socket so that it does not expire."""

    @abstractmethod
    async def disconnect(
        self, store_id: str, staff_id: str, socket_id: str, *, grace: float
    ) -> None:
        """Mark a socket closed: it keeps its staff online for `grace` more seconds.

        A socket that was logged out or has already expired stays gone.
        """

    @abstractmethod
    async def logout(self, store_id: str, staff_id: str) -> None:
        """Remove every entry of the staff member at once."""

    @abstractmethod
    async def online(self, store_id: str) -> set[str]:
        """Return the ids of the store's staff with an unexpired entry."""

    @abstractmethod
    async def close(self) -> None:
        """Release resources; safe to call twice."""


class PresenceTable:
    """The shared state of in-memory presences: instances on one table see each other."""

    def __init__(self) -> None:
        self._stores: dict[str, dict[str, float]] = {}

    def entries(self, prefix: str, store_id: str) -> dict[str, float]:
        """The live mapping entry name → expiry of one store."""
        return self._stores.setdefault(f"{prefix}:{store_id}", {})


class MemoryPresence(Presence):
    """Presence kept in a `PresenceTable` in this process."""

    def __init__(
        self,
        *,
        prefix: str = "chats",
        ttl: float = DEFAULT_TTL,
        clock: Clock = time.time,
        table: PresenceTable | None = None,
    ) -> None:
        self._prefix = check_prefix(prefix)
        self._ttl = ttl
        self._clock = clock
        self._table = table if table is not None else PresenceTable()

    async def connect(self, store_id: str, staff_id: str, socket_id: str) -> None:
        """Mark a staff socket live for `ttl` seconds."""
        self._entries(store_id)[member(staff_id, socket_id)] = self._clock() + self._ttl

    async def heartbeat(self, store_id: str, staff_id: str, socket_id: str) -> None:
        """Extend a live socket by `ttl` seconds from now."""
        await self.connect(store_id, staff_id, socket_id)

    async def disconnect(
        self, store_id: str, staff_id: str, socket_id: str, *, grace: float
    ) -> None:
        """Let an unexpired entry expire `grace` seconds from now (never revives one)."""
        entries, now = self._entries(store_id), self._clock()
        name = member(staff_id, socket_id)
        if entries.get(name, now) > now:
            entries[name] = now + grace

    async def logout(self, store_id: str, staff_id: str) -> None:
        """Drop every entry of the staff member."""
        entries = self._entries(store_id)
        for name in [n for n in entries if staff_of(n) == staff_id]:
            del entries[name]

    async def online(self, store_id: str) -> set[str]:
        """Prune expired entries and return the staff of the rest."""
        entries = self._entries(store_id)
        now = self._clock()
        for name in [n for n, expiry in entries.items() if expiry <= now]:
            del entries[name]
        return {staff_of(n) for n in entries}

    async def close(self) -> None:
        """Nothing to release."""

    def _entries(self, store_id: str) -> dict[str, float]:
        """This store's entries in the shared table."""
        return self._table.entries(self._prefix, store_id)
