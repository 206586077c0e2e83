"""The broker contract, over memory always and Redis when CHATS_TEST_REDIS_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from chats.broker import (
    Broker,
    MemoryBroker,
    MemoryBus,
    ReconnectHook,
    RedisBroker,
    make_broker,
)
from chats.broker.redis import client_name

REDIS_URL = os.environ.get("CHATS_TEST_REDIS_URL")
TIMEOUT = 5.0

MakeBroker = Callable[[str], Broker]


class Inbox:
    """Collects the events a broker hands to its handler."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    async def handler(self, channel: str, data: str) -> None:
        await self.events.put((channel, data))

    async def next(self) -> tuple[str, str]:
        return await asyncio.wait_for(self.events.get(), TIMEOUT)

    async def take(self, count: int) -> list[tuple[str, str]]:
        return [await self.next() for _ in range(count)]


def new_prefix() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[MakeBroker]:
    """Builds brokers of one backend that share it (the same bus, or the same Redis)."""
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("CHATS_TEST_REDIS_URL is not set")
    bus = MemoryBus()
    made: list[Broker] = []

    def factory(prefix: str) -> Broker:
        if REDIS_URL and request.param == "redis":
            broker: Broker = RedisBroker(REDIS_URL, prefix=prefix, backoff_initial=0.01)
        else:
            broker = MemoryBroker(prefix=prefix, bus=bus)
        made.append(broker)
        return broker

    yield factory
    for broker in made:
        await broker.close()


async def started(make: MakeBroker, prefix: str) -> tuple[Broker, Inbox]:
    broker, inbox = make(prefix), Inbox()
    await broker.start(inbox.handler)
    return broker, inbox


async def test_every_broker_receives_every_publish_including_its_own(make: MakeBroker) -> None:
    prefix = new_prefix()
    (one, inbox_one), (two, inbox_two) = [await started(make, prefix) for _ in range(2)]

    await one.publish("store:1", "from one")
    await two.publish("guest:7", "from two")

    expected = [("store:1", "from one"), ("guest:7", "from two")]
    assert await inbox_one.take(2) == expected
    assert await inbox_two.take(2) == expected


async def test_a_broker_that_is_not_started_can_publish(make: MakeBroker) -> None:
    prefix = new_prefix()
    _, inbox = await started(make, prefix)

    await make(prefix).publish("conv:1", "hello")

    assert await inbox.next() == ("conv:1", "hello")


async def test_another_prefix_receives_nothing(make: MakeBroker) -> None:
    mine, other = new_prefix(), new_prefix()
    broker, inbox = await started(make, mine)
    other_broker, other_inbox = await started(make, other)

    await other_broker.publish("store:1", "not for you")
    await broker.publish("store:1", "sentinel")

    # The other publish went out first, so it would have arrived before the sentinel.
    assert await inbox.next() == ("store:1", "sentinel")
    assert inbox.events.empty()
    assert await other_inbox.next() == ("store:1", "not for you")


async def test_order_per_channel_is_kept_for_a_thousand_events(make: MakeBroker) -> None:
    prefix = new_prefix()
    publisher, inbox_one = await started(make, prefix)
    _, inbox_two = await started(make, prefix)

    for n in range(1000):
        await publisher.publish(f"conv:{n % 2}", str(n))

    for inbox in (inbox_one, inbox_two):
        events = await inbox.take(1000)
        for channel in ("conv:0", "conv:1"):
            numbers = [int(data) for ch, data in events if ch == channel]
            assert numbers == sorted(numbers)
            assert len(numbers) == 500


async def test_a_failing_handler_does_not_stop_delivery(
    make: MakeBroker, caplog: pytest.LogCaptureFixture
) -> None:
    broker, inbox = make(new_prefix()), Inbox()

    async def handler(channel: str, data: str) -> None:
        if data == "boom":
            raise RuntimeError("handler bug")
        await inbox.handler(channel, data)

    await broker.start(handler)
    with caplog.at_level(logging.ERROR):
        await broker.publish("staff:1", "boom")
        await broker.publish("staff:1", "after")
        assert await inbox.next() == ("staff:1", "after")
    assert any("handler bug" in (r.exc_text or "") for r in caplog.records)


async def test_close_is_clean_and_idempotent(make: MakeBroker) -> None:
    prefix = new_prefix()
    broker, _ = await started(make, prefix)
    _, witness = await started(make, prefix)
    assert broker.connected
    assert await broker.ping()

    await broker.close()
    await broker.close()

    assert not broker.connected
    with pytest.raises(RuntimeError):
        await broker.publish("store:1", "late")
    with pytest.raises(RuntimeError):
        await broker.start(witness.handler)


async def test_a_closed_broker_stops_receiving(make: MakeBroker) -> None:
    prefix = new_prefix()
    closed, closed_inbox = await started(make, prefix)
    publisher, inbox = await started(make, prefix)

    await closed.close()
    await publisher.publish("store:1", "after close")

    assert await inbox.next() == ("store:1", "after close")
    assert closed_inbox.events.empty()


async def test_a_broker_never_started_closes(make: MakeBroker) -> None:
    broker = make(new_prefix())
    assert not broker.connected
    await broker.close()


async def test_starting_twice_is_refused(make: MakeBroker) -> None:
    broker, inbox = await started(make, new_prefix())
    with pytest.raises(RuntimeError):
        await broker.start(inbox.handler)


async def test_a_prefix_that_could_overlap_another_is_refused(make: MakeBroker) -> None:
    for prefix in ("", "chats:eu", "two words"):
        with pytest.raises(ValueError, match="prefix"):
            make(prefix)


async def test_glob_characters_in_a_prefix_match_only_themselves(make: MakeBroker) -> None:
    wild, plain = "test-*", f"test-{uuid.uuid4().hex}"
    broker, inbox = await started(make, wild)
    plain_broker = make(plain)

    await plain_broker.publish("store:1", "not for the wildcard")
    await broker.publish("store:1", "sentinel")

    assert await inbox.next() == ("store:1", "sentinel")
    assert inbox.events.empty()


async def test_make_broker_picks_the_backend() -> None:
    memory = make_broker(None, prefix="chats")
    assert isinstance(memory, MemoryBroker)
    await memory.close()
    if REDIS_URL:
        redis = make_broker(REDIS_URL, prefix="chats")
        assert isinstance(redis, RedisBroker)
        await redis.close()


async def test_on_reconnect_can_be_set_after_construction() -> None:
    async def hook() -> None:
        pass

    broker = make_broker(None, prefix="chats")
    assert broker.on_reconnect is None
    broker.on_reconnect = hook
    assert broker.on_reconnect is hook
    await broker.close()


# Redis only ------------------------------------------------------------------

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="CHATS_TEST_REDIS_URL is not set")


@pytest.fixture
async def admin() -> AsyncIterator[Redis]:
    """A separate client, as an operator would use."""
    assert REDIS_URL
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    await client.aclose()


async def kill_subscribers(admin: Redis, prefix: str) -> int:
    """CLIENT KILL the pub/sub connections of this prefix's brokers (not other tests')."""
    clients = await admin.client_list(_type="pubsub")
    ids = [c["id"] for c in clients if c.get("name") == client_name(prefix)]
    for client_id in ids:
        await admin.client_kill_filter(_id=client_id)
    return len(ids)


@needs_redis
async def test_redis_reconnects_after_its_connection_is_killed(admin: Redis) -> None:
    assert REDIS_URL
    prefix = new_prefix()
    reconnected = asyncio.Event()
    broker = RedisBroker(REDIS_URL, prefix=prefix, backoff_initial=0.01)
    inbox = Inbox()

    async def on_reconnect() -> None:
        assert broker.connected
        reconnected.set()

    broker.on_reconnect = on_reconnect
    try:
        await broker.start(inbox.handler)
        await broker.publish("store:1", "before")
        assert await inbox.next() == ("store:1", "before")

        assert await kill_subscribers(admin, prefix) == 1
        await asyncio.wait_for(reconnected.wait(), TIMEOUT)

        await broker.publish("store:1", "after")
        assert await inbox.next() == ("store:1", "after")
        assert broker.connected
    finally:
        await broker.close()


@needs_redis
async def test_redis_reconnects_every_process(admin: Redis) -> None:
    assert REDIS_URL
    prefix = new_prefix()
    hooks = [asyncio.Event(), asyncio.Event()]
    brokers = [
        RedisBroker(REDIS_URL, prefix=prefix, backoff_initial=0.01, on_reconnect=event_setter(e))
        for e in hooks
    ]
    inboxes = [Inbox(), Inbox()]
    try:
        for broker, inbox in zip(brokers, inboxes, strict=True):
            await broker.start(inbox.handler)

        assert await kill_subscribers(admin, prefix) == 2
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in hooks)), TIMEOUT)

        await brokers[0].publish("conv:9", "back")
        for inbox in inboxes:
            assert await inbox.next() == ("conv:9", "back")
    finally:
        for broker in brokers:
            await broker.close()


def event_setter(event: asyncio.Event) -> ReconnectHook:
    async def hook() -> None:
        event.set()

    return hook


@needs_redis
async def test_a_failing_reconnect_hook_is_logged_and_delivery_goes_on(
    admin: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    assert REDIS_URL
    prefix = new_prefix()
    called = asyncio.Event()

    async def bad_hook() -> None:
        called.set()
        raise RuntimeError("resync bug")

    broker = RedisBroker(REDIS_URL, prefix=prefix, backoff_initial=0.01, on_reconnect=bad_hook)
    inbox = Inbox()
    try:
        await broker.start(inbox.handler)
        with caplog.at_level(logging.ERROR):
            await kill_subscribers(admin, prefix)
            await asyncio.wait_for(called.wait(), TIMEOUT)
            await broker.publish("store:1", "still here")
            assert await inbox.next() == ("store:1", "still here")
        assert any("resync bug" in (r.exc_text or "") for r in caplog.records)
    finally:
        await broker.close()


async def test_redis_start_fails_fast_when_redis_is_unreachable() -> None:
    broker = RedisBroker("redis://127.0.0.1:1/0", prefix=new_prefix())
    try:
        with pytest.raises(RedisConnectionError):
            await broker.start(Inbox().handler)
        assert not broker.connected
        assert not await broker.ping()
    finally:
        await broker.close()


class Outage:
    """A TCP hop to Redis that a test can cut and restore, like a network outage."""

    def __init__(self, redis_url: str) -> None:
        target = urlsplit(redis_url)
        self.target = (target.hostname or "127.0.0.1", target.port or 6379)
        self.path = target.path
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def restore(self) -> str:
        """Accept connections (again, on the same port) and return the URL to use."""
        self.server = await asyncio.start_server(self.relay, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{self.port}{self.path}"

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        writers, self.writers = self.writers, []
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers += [writer, up_writer]
        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@needs_redis
async def test_redis_rides_out_an_outage_dropping_events_meanwhile() -> None:
    assert REDIS_URL
    outage, reconnected, inbox = Outage(REDIS_URL), asyncio.Event(), Inbox()
    url = await outage.restore()
    broker = RedisBroker(
        url, prefix=new_prefix(), backoff_initial=0.01, on_reconnect=event_setter(reconnected)
    )
    try:
        await broker.start(inbox.handler)
        await outage.cut()
        assert not await broker.ping()
        await broker.publish("store:1", "lost")  # dropped and logged, not raised

        await outage.restore()
        await asyncio.wait_for(reconnected.wait(), TIMEOUT)
        assert await broker.ping()
        await broker.publish("store:1", "after")
        assert await inbox.next() == ("store:1", "after")
    finally:
        await broker.close()
        await outage.cut()
