"""The process's wiring: every long-lived part of one server, built by `chats.app`.

The routers and the lifespan use it; nothing below them does. Services take a unit of
work or a session, the sockets take `realtime.parts.SocketParts`, the mail sender the
few attributes it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from chats.broker.base import Broker
    from chats.broker.presence import Presence
    from chats.config import Settings
    from chats.db.engine import Database
    from chats.events.unit_of_work import Event, Publisher, UnitOfWork
    from chats.mail.sender import MailSender
    from chats.metrics import Metrics
    from chats.realtime.hub import Hub
    from chats.realtime.notifier import StateNotifier
    from chats.services.auth import Logins
    from chats.services.limits import AddressLimits
    from chats.services.state import AvailabilityCache
    from chats.services.visits import Visits
    from chats.services.webhook_delivery import WebhookDeliverer


@dataclass
class AppContext:
    """The long-lived parts of one server process."""

    settings: Settings
    db: Database
    broker: Broker
    presence: Presence
    process_id: str
    hub: Hub
    publisher: Publisher
    notifier: StateNotifier
    availability: AvailabilityCache
    visits: Visits
    limits: AddressLimits
    logins: Logins
    metrics: Metrics | None = None  # the app's; None in a context a test builds alone
    mail_sender: MailSender | None = None  # set while the app's lifespan runs
    webhooks: WebhookDeliverer | None = None  # the same

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A write transaction whose events are published only after it commits."""
        return self.publisher.unit_of_work()

    async def publish_all(self, events: list[Event]) -> None:
        """Hand committed events to the broker, in order."""
        await self.publisher.publish_all(events)

    def wake_mail(self) -> None:
        """Nudge this process's mail sender (if it runs) after queuing mail."""
        if self.mail_sender is not None:
            self.mail_sender.wake()
