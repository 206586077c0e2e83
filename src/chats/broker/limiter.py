"""Rate limits shared by every process: the interface and its in-process implementation.

A limit is a token bucket (`Rule`) per key — a client address, or an address and a
store. One process keeps its buckets in memory; several share them in Redis
(`redis_limiter.py`), so a client cannot multiply its budget by spreading its
requests over the processes behind a load balancer.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

from chats.domain.ratelimit import Rule, TokenBucket

__all__ = ["Limiter", "MemoryLimiter", "Rule"]

SWEEP_EVERY = 4096
"""Takes between two sweeps of the buckets that have refilled (memory stays bounded)."""


class Limiter(ABC):
    """Token buckets keyed by rule and key, shared by every limiter of one backend."""

    @abstractmethod
    async def take(self, rule: Rule, key: str) -> float:
        """Take one token: 0.0 when admitted, else the seconds until one is available."""

    @abstractmethod
    async def close(self) -> None:
        """Release the backend's connections."""


class MemoryLimiter(Limiter):
    """Buckets of this process only (one SQLite process)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], tuple[TokenBucket, float]] = {}
        self._takes = 0

    async def take(self, rule: Rule, key: str) -> float:
        """Take one token from the bucket of `rule` and `key`."""
        now = time.monotonic()
        self._takes += 1
        if self._takes % SWEEP_EVERY == 0:
            self._sweep(now)
        entry = self._buckets.get((rule.name, key))
        if entry is None:
            entry = (TokenBucket(rule.capacity, rule.per_second), rule.full_after)
            self._buckets[(rule.name, key)] = entry
        bucket = entry[0]
        if bucket.try_take(now):
            return 0.0
        return max(bucket.retry_after(now), 0.001)

    async def close(self) -> None:
        """Nothing to release."""

    def _sweep(self, now: float) -> None:
        """Forget buckets that are full again: a new one would answer the same."""
        stale = [k for k, (bucket, full_after) in self._buckets.items()
                 if bucket.updated_at is not None and now - bucket.updated_at >= full_after]
        for k in stale:
            del self._buckets[k]
