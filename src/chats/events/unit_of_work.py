"""The unit of work: one write transaction plus the frames it publishes after commit."""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.broker.base import Broker
    from chats.db.engine import Database

log = logging.getLogger(__name__)

Event = tuple[str, dict[str, Any]]
"""A frame and the channel it goes to."""


@dataclass
class UnitOfWork:
    """A session plus the real-time events to send once it has committed."""

    session: AsyncSession
    events: list[Event] = field(default_factory=list)

    def publish(self, channel: str, frame: dict[str, Any]) -> None:
        """Queue a frame for `channel`, sent after commit (never before)."""
        self.events.append((channel, frame))


class Publisher:
    """The way frames leave this process: after their unit of work commits, or at once for
    what is stored already."""

    def __init__(self, db: Database, broker: Broker) -> None:
        self.db = db
        self.broker = broker

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A write transaction whose events are published only after it commits."""
        async with self.db.write() as session:
            uow = UnitOfWork(session=session)
            yield uow
            if session.in_transaction():
                await session.commit()
            await self.publish_all(uow.events)

    async def publish_all(self, events: list[Event]) -> None:
        """Hand committed events to the broker, in order."""
        for channel, frame in events:
            try:
                await self.broker.publish(channel, json.dumps(frame, ensure_ascii=False))
            except Exception:
                # Pub/sub is at-most-once; clients converge from the database by seq.
                log.exception("publish failed", extra={"channel": channel})
