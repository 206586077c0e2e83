"""The broker interface: fan-out of real-time events between server processes."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

EventHandler = Callable[[str, str], Awaitable[None]]
"""Receives every event as `(channel, data)`."""

ReconnectHook = Callable[[], Awaitable[None]]
"""Called after the broker's subscription came back, so clients can be re-synced."""


def check_prefix(prefix: str) -> str:
    """Return `prefix` if it is a valid namespace, else raise ValueError."""
    # A ':' would let prefix "a" overlap prefix "a:b" (pattern "a:*" matches both).
    if not prefix or ":" in prefix or any(c.isspace() for c in prefix):
        raise ValueError(f"broker prefix must be non-empty, without ':' or spaces: {prefix!r}")
    return prefix


async def dispatch(handler: EventHandler, channel: str, data: str) -> None:
    """Run `handler` on one event, logging its failure instead of raising it."""
    try:
        await handler(channel, data)
    except Exception:
        log.exception("broker handler failed on channel %s", channel)


class Broker(ABC):
    """At-most-once pub/sub shared by every broker with the same backend and prefix.

    Every started broker receives every event, its own publishes included; events
    from one publisher on one channel arrive in publish order.
    """

    def __init__(self, *, on_reconnect: ReconnectHook | None = None) -> None:
        self._on_reconnect = on_reconnect

    @property
    def on_reconnect(self) -> ReconnectHook | None:
        """The hook called after a lost subscription was restored."""
        return self._on_reconnect

    @on_reconnect.setter
    def on_reconnect(self, hook: ReconnectHook | None) -> None:
        self._on_reconnect = hook

    @abstractmethod
    async def start(self, handler: EventHandler) -> None:
        """Begin delivering every event of this namespace to `handler`."""

    @abstractmethod
    async def publish(self, channel: str, data: str) -> None:
        """Send `data` to every broker of this namespace."""

    @abstractmethod
    async def close(self) -> None:
        """Stop delivering and release resources; safe to call twice."""

    @abstractmethod
    async def ping(self) -> bool:
        """Return True when the backend can be reached."""

    @property
    @abstractmethod
    def connected(self) -> bool:
        """True while events are being received."""
