"""Servers for tests: the app in-process, uvicorn in a thread, or `chats serve` as a process.

Plain HTTP tests reach an `InProcessApp` through httpx's ASGI transport (no socket, no
thread); sockets, several processes and browsers need a real server (`ThreadServer`,
`ProcessServer`). Both real ones serve with `chats.serving.server_config`, as `chats serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import uvicorn

from chats.app import create_app
from chats.config import Settings
from chats.security import set_hash_cost
from chats.serving import server_config

# OWASP's cheapest argon2id parameters (7 MiB x 5 passes): a fifth of the default's CPU at
# every login of the suite. Production's own are tested by tests/api/test_passwords.py.
TEST_HASH_COST: dict[str, Any] = {"password_hash_memory_kib": 7168, "password_hash_iterations": 5}
set_hash_cost(7168, 5)  # the factories' hashes are made in the test process itself


# An httpx client loads the CA bundle into a new SSL context (~20 ms of CPU) unless it is given
# one. The suite makes thousands of clients; they share this context.
TLS = httpx.create_ssl_context()


def http_client(**kwargs: Any) -> httpx.AsyncClient:
    """An httpx.AsyncClient (same arguments) with the suite's shared SSL context."""
    return httpx.AsyncClient(verify=TLS, **kwargs)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Site(Protocol):
    """What HTTP tests need of a server: its address and clients for it."""

    @property
    def url(self) -> str: ...

    def client(
        self, timeout: float = 10, cookies: dict[str, str] | None = None
    ) -> httpx.AsyncClient: ...


class Served(Protocol):
    """What page helpers need of a server: a ThreadServer or one `chats serve` process."""

    @property
    def url(self) -> str: ...

    @property
    def ws_url(self) -> str: ...


@dataclass
class ThreadServer:
    """A CHATS app served by uvicorn on its own thread and event loop."""

    settings: Settings
    port: int = field(default_factory=free_port)
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    clock: Any = None  # a chats.ids.Clock (tests.clock.FakeClock); None: the real one

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def client(
        self, timeout: float = 10, cookies: dict[str, str] | None = None
    ) -> httpx.AsyncClient:
        """An HTTP client for this server (keeps cookies)."""
        return http_client(base_url=self.url, timeout=timeout, cookies=cookies)

    def start(self) -> ThreadServer:
        app = create_app(self.settings.model_copy(update={"public_url": self.url}),
                         clock=self.clock)
        self.app = app
        self.server = uvicorn.Server(server_config(app, host="127.0.0.1", port=self.port))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=15)


# The peer address uvicorn reports for a client on this machine; limits per address read it.
IN_PROCESS_PEER = ("127.0.0.1", 50000)


@dataclass
class InProcessApp:
    """A CHATS app in the test's own event loop, its lifespan running, reached by httpx's
    ASGI transport: the same app, middleware and error handlers as under uvicorn, no socket.

    As under uvicorn, an exception the app lets out becomes a 500 answer, and the client's
    address is 127.0.0.1. No WebSocket: tests of sockets take a `ThreadServer`.
    """

    settings: Settings
    url: str = "http://127.0.0.1:8000"
    clock: Any = None  # a chats.ids.Clock (tests.clock.FakeClock); None: the real one
    app: Any = None
    _task: asyncio.Task[None] | None = None
    _replies: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def client(
        self, timeout: float = 10, cookies: dict[str, str] | None = None
    ) -> httpx.AsyncClient:
        """An HTTP client for this app (keeps cookies)."""
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False,
                                        client=IN_PROCESS_PEER)
        return http_client(transport=transport, base_url=self.url, timeout=timeout,
                           cookies=cookies)

    async def start(self) -> InProcessApp:
        """Build the app and run its lifespan's start-up, as uvicorn's `lifespan="on"` does."""
        self.app = create_app(self.settings.model_copy(update={"public_url": self.url}),
                              clock=self.clock)
        self._task = asyncio.create_task(self._lifespan())
        reply = await self._reply()
        if reply["type"] != "lifespan.startup.complete":
            with contextlib.suppress(Exception):  # the lifespan re-raises what failed
                await self._task
            raise RuntimeError(f"test app did not start: {reply.get('message', '')}")
        return self

    async def stop(self) -> None:
        """Run the lifespan's shutdown; an error in it fails the test."""
        if self._task is None:
            return
        self._stop.set()
        reply = await self._reply()
        await self._task
        if reply["type"] != "lifespan.shutdown.complete":
            raise RuntimeError(f"test app did not stop cleanly: {reply.get('message', '')}")

    async def __aenter__(self) -> InProcessApp:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _lifespan(self) -> None:
        started = False

        async def receive() -> dict[str, Any]:
            nonlocal started
            if not started:
                started = True
                return {"type": "lifespan.startup"}
            await self._stop.wait()
            return {"type": "lifespan.shutdown"}

        async def send(message: dict[str, Any]) -> None:
            self._replies.put_nowait(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": {}}
        await self.app(scope, receive, send)

    async def _reply(self) -> dict[str, Any]:
        """The app's next lifespan message, or the error its lifespan ended with."""
        assert self._task is not None
        get = asyncio.ensure_future(self._replies.get())
        await asyncio.wait({get, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if get.done():
            return get.result()
        get.cancel()
        self._task.result()  # raises what the lifespan raised
        raise RuntimeError("the app's lifespan ended without a reply")


@dataclass
class ProcessServer:
    """`python -m chats serve` as a child process (for crash and multi-process tests)."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    start_timeout: float = 30.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> ProcessServer:
        env = {**os.environ, **self.env, "CHATS_PUBLIC_URL": self.url, "CHATS_LOG_JSON": "true"}
        if self.log_path:
            with open(self.log_path, "ab") as out:
                self.proc = self._spawn(env, out)
        else:
            self.proc = self._spawn(env, subprocess.DEVNULL)
        wait_healthy(self.url, self.proc, self.start_timeout)
        return self

    def _spawn(self, env: dict[str, str], out: Any) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "chats", "serve", "--port", str(self.port)],
            env=env, stdout=out, stderr=out,
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_healthy(
    url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30
) -> None:
    """Poll /healthz until it answers 200 (the process must be starting)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(verify=TLS, timeout=1) as client:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if client.get(f"{url}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    raise RuntimeError("server did not become healthy")


async def wait_for(predicate: Any, timeout: float = 5.0, interval: float = 0.02) -> None:
    """Poll an async or sync predicate until true (for state with no event to await)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


def env_for(settings: Any) -> dict[str, str]:
    """The environment that makes `chats serve` use these test settings."""
    env = {
        "CHATS_DATABASE_URL": settings.effective_database_url,
        "CHATS_DATA_DIR": str(settings.data_dir),
        "CHATS_SECRET_KEY": settings.secret_key,
        "CHATS_REDIS_PREFIX": settings.redis_prefix,
        "CHATS_PRESENCE_GRACE_SECONDS": str(settings.presence_grace_seconds),
        "CHATS_PRESENCE_TTL_SECONDS": str(settings.presence_ttl_seconds),
        "CHATS_OFFLINE_RELEASE_SECONDS": str(settings.offline_release_seconds),
        "CHATS_LOG_LEVEL": "WARNING",
        "CHATS_PASSWORD_HASH_MEMORY_KIB": str(settings.password_hash_memory_kib),
        "CHATS_PASSWORD_HASH_ITERATIONS": str(settings.password_hash_iterations),
        "CHATS_WEBHOOKS_ALLOW_PRIVATE": str(settings.webhooks_allow_private).lower(),
        "CHATS_WEBHOOKS_RETRY_SECONDS": str(settings.webhooks_retry_seconds),
        "CHATS_WEBHOOKS_LEASE_SECONDS": str(settings.webhooks_lease_seconds),
    }
    if settings.redis_url:
        env["CHATS_REDIS_URL"] = settings.redis_url
    return env
