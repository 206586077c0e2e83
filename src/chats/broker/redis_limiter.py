"""Rate limits in Redis: one hash per bucket, updated by a script (atomic across processes)."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chats.broker.base import check_prefix
from chats.broker.limiter import Limiter, Rule

log = logging.getLogger(__name__)
SOCKET_TIMEOUT = 2.0

# KEYS[1] the bucket; ARGV: capacity, refill per second. Time is Redis's own, so
# processes whose clocks disagree still share one bucket fairly. The key expires once
# the bucket would be full again: an idle client leaves nothing behind.
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisLimiter(Limiter):
    """Buckets shared by every process using the same Redis and prefix."""

    def __init__(self, redis_url: str, *, prefix: str = "chats") -> None:
        self._prefix = check_prefix(prefix)
        self._client = Redis.from_url(
            redis_url, decode_responses=True, socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT)
        self._take = self._client.register_script(TAKE)

    async def take(self, rule: Rule, key: str) -> float:
        """Take one token; admits when Redis does not answer (see below)."""
        try:
            wait = await self._take(keys=[f"{self._prefix}:limit:{rule.name}:{key}"],
                                    args=[rule.capacity, rule.per_second])
        except RedisError:
            # Redis down means chats are down too (it carries every frame); refusing every
            # guest on top of that would keep them down after it comes back.
            log.warning("rate limiter unavailable, admitting", exc_info=True)
            return 0.0
        return max(float(wait), 0.0)

    async def close(self) -> None:
        """Close the Redis client."""
        await self._client.aclose()
