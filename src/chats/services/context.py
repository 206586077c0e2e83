"""What every service action needs: settings, database, broker; and the unit of work."""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings
    from chats.db.engine import Database
    from chats.realtime.broker.base import Broker
    from chats.realtime.broker.presence import Presence
    from chats.realtime.hub import Hub
    from chats.realtime.notifier import StateNotifier
    from chats.services.state import AvailabilityCache
    from chats.services.visits import Visits

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    """The long-lived parts of one server process."""

    settings: Settings
    db: Database
    broker: Broker
    presence: Presence
    process_id: str
    hub: Hub
    notifier: StateNotifier = field(init=False)
    availability: AvailabilityCache = field(init=False)
    visits: Visits = field(init=False)
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from chats.realtime.notifier import StateNotifier
        from chats.services.state import AvailabilityCache
        from chats.services.visits import Visits

        self.notifier = StateNotifier(self)
        self.availability = AvailabilityCache(self.db, self.presence)
        self.visits = Visits(self.db)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A write transaction whose events are published only after it commits."""
        async with self.db.write() as session:
            uow = UnitOfWork(session=session)
            yield uow
            if session.in_transaction():
                await session.commit()
            await self.publish_all(uow.events)

    async def publish_all(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """Hand committed events to the broker, in order."""
        for channel, frame in events:
            try:
                await self.broker.publish(channel, json.dumps(frame, ensure_ascii=False))
            except Exception:
                # Pub/sub is at-most-once; clients converge from the database by seq.
                log.exception("publish failed", extra={"channel": channel})


@dataclass
class UnitOfWork:
    """A session plus the real-time events to send once it has committed."""

    session: AsyncSession
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, channel: str, frame: dict[str, Any]) -> None:
        """Queue a frame for `channel`, sent after commit (never before)."""
        self.events.append((channel, frame))
