"""Mail fixtures: a real SMTP server (aiosmtpd) in the test process, app contexts, a server
and the app in-process, both sending to that SMTP server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from chats.app import build_context
from chats.config import Settings
from chats.context import AppContext
from tests.servers import InProcessApp, Site, ThreadServer, free_port


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """aiosmtpd handler that keeps every message and wakes whoever waits for one."""

    received: list[Received] = field(default_factory=list)
    refuse: str | None = None  # an SMTP reply ("550 …", "451 …") every recipient gets while set
    _cond: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse is not None:
            return self.refuse
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._cond:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def _wait(self, count: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.received) >= count, timeout)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least `count` messages arrived (or fail after `timeout`)."""
        if not await asyncio.to_thread(self._wait, count, timeout):
            raise AssertionError(f"expected {count} messages, got {len(self.received)}")
        return list(self.received)


@dataclass
class SmtpServer:
    """An aiosmtpd server on 127.0.0.1, started and stopped by the test."""

    port: int = field(default_factory=free_port)
    mailbox: Mailbox = field(default_factory=Mailbox)
    options: dict[str, Any] = field(default_factory=dict)  # Controller / SMTP keywords
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=false&timeout=5"

    def start(self) -> SmtpServer:
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server that collects what it receives."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The test's settings, sending through the test SMTP server."""
    return settings.model_copy(update={"smtp_url": smtp.url,
                                       "mail_from": "茶房みどり <shop@example.jp>"})


async def open_context(settings: Settings, process_id: str | None = None) -> AppContext:
    """A full AppContext on the test's event loop (close it with `close_context`)."""
    ctx = await build_context(settings)
    if process_id is not None:
        ctx.process_id = process_id
    return ctx


async def close_context(ctx: AppContext) -> None:
    """Close what `open_context` opened."""
    await ctx.broker.close()
    await ctx.presence.close()
    await ctx.db.dispose()


@pytest.fixture
async def ctx(smtp_settings: Settings) -> AsyncIterator[AppContext]:
    """An AppContext whose mail goes to the test SMTP server."""
    context = await open_context(smtp_settings)
    yield context
    await close_context(context)


@pytest.fixture
def server(smtp_settings: Settings) -> Iterator[ThreadServer]:
    """A real CHATS server on a free port whose own sender delivers to the test SMTP server."""
    srv = ThreadServer(smtp_settings).start()
    yield srv
    srv.stop()


@pytest.fixture
async def web(request: pytest.FixtureRequest, smtp_settings: Settings) -> AsyncIterator[Site]:
    """`server` if the test takes it, else the same app (outbox API, test SMTP) in-process."""
    if "server" in request.fixturenames:
        yield request.getfixturevalue("server")
        return
    async with InProcessApp(smtp_settings) as app:
        yield app
