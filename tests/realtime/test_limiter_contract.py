"""The rate limiter contract, over memory always and Redis when CHATS_TEST_REDIS_URL is set."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from chats.broker import Limiter, MemoryLimiter, RedisLimiter, Rule

REDIS_URL = os.environ.get("CHATS_TEST_REDIS_URL")
BACKENDS = ["memory", "redis"]


@pytest.fixture(params=BACKENDS)
async def limiters(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Limiter]]:
    """Builds limiters sharing one backend and one fresh prefix, as processes would."""
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("CHATS_TEST_REDIS_URL not set")
    prefix, made = f"test-{uuid.uuid4().hex}", []
    shared = MemoryLimiter()

    def factory() -> Limiter:
        limiter: Limiter = RedisLimiter(REDIS_URL, prefix=prefix) \
            if request.param == "redis" and REDIS_URL else shared
        made.append(limiter)
        return limiter

    yield factory
    for limiter in made:
        await limiter.close()


# Slow refill: the test's own duration cannot earn a token back.
RULE = Rule("contract", capacity=3, per_second=0.01)


async def test_a_burst_then_refusals_with_the_wait(limiters: Callable[[], Limiter]) -> None:
    limiter = limiters()
    assert [await limiter.take(RULE, "a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await limiter.take(RULE, "a")
    assert 90 < wait <= 100  # one token at 0.01/s
    assert await limiter.take(RULE, "b") == 0.0  # keys are independent
    assert await limiter.take(Rule("other", 1, 0.01), "a") == 0.0  # so are rules


async def test_limiters_of_one_backend_share_buckets(limiters: Callable[[], Limiter]) -> None:
    first, second = limiters(), limiters()
    results = await asyncio.gather(*(lim.take(RULE, "k") for lim in (first, second) * 5))
    assert sum(1 for w in results if w == 0.0) == 3


async def test_tokens_come_back_at_the_rate(limiters: Callable[[], Limiter]) -> None:
    limiter = limiters()
    fast = Rule("fast", capacity=1, per_second=20)
    assert await limiter.take(fast, "k") == 0.0
    wait = await limiter.take(fast, "k")
    assert 0 < wait <= 0.05
    await asyncio.sleep(wait + 0.02)  # waiting out the wait the limiter itself announced
    assert await limiter.take(fast, "k") == 0.0


def test_a_rule_that_never_refills_is_refused() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        Rule("bad", capacity=1, per_second=0)
