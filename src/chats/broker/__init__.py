"""Fan-out of real-time events and staff presence, in memory or shared through Redis."""

from __future__ import annotations

import time

from chats.broker.base import Broker, EventHandler, ReconnectHook
from chats.broker.limiter import Limiter, MemoryLimiter, Rule
from chats.broker.memory import MemoryBroker, MemoryBus
from chats.broker.presence import (
    DEFAULT_TTL,
    Clock,
    MemoryPresence,
    Presence,
    PresenceTable,
)
from chats.broker.redis import RedisBroker
from chats.broker.redis_limiter import RedisLimiter
from chats.broker.redis_presence import RedisPresence

__all__ = [
    "DEFAULT_TTL",
    "Broker",
    "Clock",
    "EventHandler",
    "Limiter",
    "MemoryBroker",
    "MemoryBus",
    "MemoryLimiter",
    "MemoryPresence",
    "Presence",
    "PresenceTable",
    "ReconnectHook",
    "RedisBroker",
    "RedisLimiter",
    "RedisPresence",
    "Rule",
    "make_broker",
    "make_limiter",
    "make_presence",
]


def make_broker(
    redis_url: str | None, *, prefix: str, on_reconnect: ReconnectHook | None = None
) -> Broker:
    """A Redis broker when `redis_url` is set, else an in-process one."""
    if redis_url:
        return RedisBroker(redis_url, prefix=prefix, on_reconnect=on_reconnect)
    return MemoryBroker(prefix=prefix, on_reconnect=on_reconnect)


def make_presence(
    redis_url: str | None,
    *,
    prefix: str,
    ttl: float = DEFAULT_TTL,
    clock: Clock = time.time,
) -> Presence:
    """Redis presence when `redis_url` is set, else an in-process one."""
    if redis_url:
        return RedisPresence(redis_url, prefix=prefix, ttl=ttl, clock=clock)
    return MemoryPresence(prefix=prefix, ttl=ttl, clock=clock)


def make_limiter(redis_url: str | None, *, prefix: str) -> Limiter:
    """Rate limits shared through Redis when `redis_url` is set, else in this process."""
    if redis_url:
        return RedisLimiter(redis_url, prefix=prefix)
    return MemoryLimiter()
