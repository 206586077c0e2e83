"""Presence in Redis: one sorted set per store, member `staff|socket`, score = expiry time."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from chats.broker.base import check_prefix
from chats.broker.presence import (
    DEFAULT_TTL,
    Clock,
    Presence,
    member,
    staff_of,
)

SOCKET_TIMEOUT = 5.0

# Write one entry, prune expired ones, and keep the key alive as long as its
# latest entry (so that stores nobody asks about do not leave keys behind).
# KEYS[1] set; ARGV: member, expiry, now, "LIVE" to only update an unexpired entry.
SET_ENTRY = """
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if ARGV[4] ~= 'LIVE' or (current and tonumber(current) > tonumber(ARGV[3])) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  local left = tonumber(last[2]) - tonumber(ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.max(1, math.ceil(left) + 1))
end
return 0
"""

# Remove every member starting with ARGV[1] ("staff|") from KEYS[1].
REMOVE_STAFF = """
local removed = 0
for _, name in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(name, 1, #ARGV[1]) == ARGV[1] then
    removed = removed + redis.call('ZREM', KEYS[1], name)
  end
end
return removed
"""


class RedisPresence(Presence):
    """Presence shared by every process using the same Redis and prefix.

    Expiry times come from `clock` (the local clock by default), so the
    processes' clocks should agree to within a second or so.
    """

    def __init__(
        self,
        redis_url: str,
        *,
        prefix: str = "chats",
        ttl: float = DEFAULT_TTL,
        clock: Clock = time.time,
    ) -> None:
        self._prefix = check_prefix(prefix)
        self._ttl = ttl
        self._clock = clock
        self._client = Redis.from_url(
            redis_url,
            decode_responses=True,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
        )
        self._set_entry = self._client.register_script(SET_ENTRY)
        self._remove_staff = self._client.register_script(REMOVE_STAFF)
        self._closed = False

    async def connect(self, store_id: str, staff_id: str, socket_id: str) -> None:
        """Mark a staff socket live for `ttl` seconds."""
        await self._write(store_id, member(staff_id, socket_id), self._ttl, only_live=False)

    async def heartbeat(self, store_id: str, staff_id: str, socket_id: str) -> None:
        """Extend a live socket by `ttl` seconds from now."""
        await self.connect(store_id, staff_id, socket_id)

    async def disconnect(
        self, store_id: str, staff_id: str, socket_id: str, *, grace: float
    ) -> None:
        """Let an unexpired entry expire `grace` seconds from now (never revives one)."""
        await self._write(store_id, member(staff_id, socket_id), grace, only_live=True)

    async def logout(self, store_id: str, staff_id: str) -> None:
        """Drop every entry of the staff member, atomically."""
        await self._remove_staff(keys=[self._key(store_id)], args=[member(staff_id, "")])

    async def online(self, store_id: str) -> set[str]:
        """Prune expired entries and return the staff of the rest."""
        key, now = self._key(store_id), self._clock()
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zrangebyscore(key, f"({now!r}", "+inf")
            _, names = await pipe.execute()
        return {staff_of(name) for name in names}

    async def close(self) -> None:
        """Close the Redis client."""
        if not self._closed:
            self._closed = True
            await self._client.aclose()

    async def _write(self, store_id: str, name: str, lifetime: float, *, only_live: bool) -> None:
        """Set the entry's expiry to now + `lifetime`."""
        now = self._clock()
        args = [name, repr(now + lifetime), repr(now), "LIVE" if only_live else ""]
        await self._set_entry(keys=[self._key(store_id)], args=args)

    def _key(self, store_id: str) -> str:
        """The sorted set of one store."""
        return f"{self._prefix}:presence:{store_id}"
