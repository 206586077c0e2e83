"""Redis broker: pub/sub shared by every server process using the same Redis and prefix."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from chats.broker.base import Broker, check_prefix, dispatch

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from redis.asyncio.client import PubSub

    from chats.broker.base import EventHandler, ReconnectHook

log = logging.getLogger(__name__)

LOST = (RedisError, OSError)
"""What a dropped or unreachable Redis raises (OSError covers TimeoutError)."""

SOCKET_TIMEOUT = 5.0


def glob_escape(text: str) -> str:
    """Escape Redis glob metacharacters so `text` matches only itself."""
    return re.sub(r"([*?\[\]\\^])", r"\\\1", text)


def client_name(prefix: str) -> str:
    """The CLIENT SETNAME of a broker's subscriber connection, for `CLIENT LIST`."""
    return "chats-broker:" + re.sub(r"[^A-Za-z0-9_.:-]", "_", prefix)


async def close_pubsub(pubsub: PubSub) -> None:
    """Close a PubSub and give its connection back."""
    # Typed here: redis-py left `aclose` unannotated before 8.2 and annotates it since.
    close: Callable[[], Awaitable[object]] = pubsub.aclose
    await close()


class RedisBroker(Broker):
    """Broker over Redis PSUBSCRIBE `{prefix}:*`, reconnecting with backoff when dropped.

    Publishing goes through one connection, so events published by this process
    reach Redis in order. Events published while Redis or the subscription is
    down are lost (at-most-once): `on_reconnect` is the place to re-sync clients.
    """

    def __init__(
        self,
        redis_url: str,
        *,
        prefix: str = "chats",
        on_reconnect: ReconnectHook | None = None,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        keepalive: float = 15.0,
    ) -> None:
        super().__init__(on_reconnect=on_reconnect)
        self._prefix = check_prefix(prefix)
        self._pattern = glob_escape(prefix) + ":*"
        self._backoff = (backoff_initial, backoff_max)
        self._keepalive = keepalive
        # One retry: a connection that Redis closed while idle is replaced at once.
        self._publisher = Redis.from_url(
            redis_url,
            single_connection_client=True,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            retry=Retry(NoBackoff(), 1),
        )
        # No silent retries on the subscriber: a drop must reach our loop so that
        # `connected` and `on_reconnect` tell the truth.
        self._subscriber = Redis.from_url(
            redis_url,
            decode_responses=True,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
            client_name=client_name(prefix),
        )
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self._connected = False
        self._closed = False

    async def start(self, handler: EventHandler) -> None:
        """Subscribe (raising if Redis is unreachable), then deliver events from a task."""
        if self._closed or self._reader is not None:
            raise RuntimeError("broker already started or closed")
        self._pubsub = await self._subscribe()
        self._connected = True
        self._reader = asyncio.create_task(self._run(handler), name="redis-broker")

    async def publish(self, channel: str, data: str) -> None:
        """Publish `data` on `{prefix}:{channel}`; if Redis is unreachable, log and drop it."""
        if self._closed:
            raise RuntimeError("broker is closed")
        try:
            await self._publisher.publish(f"{self._prefix}:{channel}", data)
        except LOST as exc:
            # Subscribers lose the same Redis, so their on_reconnect re-syncs what was missed.
            log.warning("broker dropped an event on %s: %s", channel, exc)

    async def close(self) -> None:
        """Stop the reader and hooks, then close both Redis clients."""
        if self._closed:
            return
        self._closed = True
        self._connected = False
        tasks = [t for t in (self._reader, *self._hook_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._drop_pubsub()
        await self._subscriber.aclose()
        await self._publisher.aclose()

    async def ping(self) -> bool:
        """Return True when Redis answers PING."""
        try:
            return bool(await self._publisher.ping())
        except LOST:
            return False

    @property
    def connected(self) -> bool:
        """False before start, while the subscription is down, and after close."""
        return self._connected

    async def _run(self, handler: EventHandler) -> None:
        """Read events for ever; on a drop, resubscribe and fire `on_reconnect`."""
        while True:
            try:
                await self._read(handler)
            except LOST as exc:
                log.warning("broker subscription lost: %s", exc)
            except Exception:
                log.exception("broker reader failed, subscribing again")
            self._connected = False
            await self._drop_pubsub()
            self._pubsub = await self._resubscribe()
            self._connected = True
            log.info("broker subscription restored")
            self._fire_reconnect()

    async def _read(self, handler: EventHandler) -> None:
        """Deliver messages until the connection fails; a silent one is pinged, then dropped."""
        pubsub = self._pubsub
        assert pubsub is not None
        pinged = False
        while True:
            message = await pubsub.get_message(timeout=self._keepalive)
            if message is None:
                if pinged:
                    raise RedisConnectionError("no reply to keepalive ping")
                await pubsub.ping()
                pinged = True
                continue
            pinged = False
            await self._deliver(handler, message)

    async def _deliver(self, handler: EventHandler, message: dict[str, Any]) -> None:
        """Pass a pattern message to `handler` with the prefix stripped."""
        if message["type"] != "pmessage":
            return
        channel = str(message["channel"])[len(self._prefix) + 1 :]
        await dispatch(handler, channel, str(message["data"]))

    async def _subscribe(self) -> PubSub:
        """Open a PubSub and wait until Redis confirms the pattern subscription."""
        pubsub = self._subscriber.pubsub()
        try:
            await pubsub.psubscribe(self._pattern)
            async with asyncio.timeout(SOCKET_TIMEOUT):
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is not None and message["type"] == "psubscribe":
                        return pubsub
        except BaseException:
            await close_pubsub(pubsub)
            raise

    async def _resubscribe(self) -> PubSub:
        """Subscribe again, retrying with jittered exponential backoff."""
        delay, cap = self._backoff
        while True:
            try:
                return await self._subscribe()
            except LOST as exc:
                pause = delay * random.uniform(0.5, 1.0)
                log.warning("broker cannot resubscribe, retrying in %.2fs: %s", pause, exc)
            await asyncio.sleep(pause)
            delay = min(delay * 2, cap)

    async def _drop_pubsub(self) -> None:
        """Close the current PubSub, ignoring errors from a dead connection."""
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(*LOST):
                await close_pubsub(pubsub)

    def _fire_reconnect(self) -> None:
        """Run `on_reconnect` in its own task so that a slow re-sync does not stall delivery."""
        hook = self.on_reconnect
        if hook is None:
            return
        task = asyncio.create_task(_run_hook(hook), name="redis-broker-reconnect")
        self._hook_tasks.add(task)
        task.add_done_callback(self._hook_tasks.discard)


async def _run_hook(hook: ReconnectHook) -> None:
    """Await `hook`, logging its failure."""
    try:
        await hook()
    except Exception:
        log.exception("broker on_reconnect hook failed")
