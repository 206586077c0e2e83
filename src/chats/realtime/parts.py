"""What the sockets use of their process, handed to them by the app's wiring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from chats.broker.presence import Presence
    from chats.config import Settings
    from chats.db.engine import Database
    from chats.events.unit_of_work import Publisher
    from chats.metrics import Metrics
    from chats.realtime.hub import Hub
    from chats.realtime.notifier import StateNotifier
    from chats.services.limits import AddressLimits


@dataclass(frozen=True, slots=True)
class SocketParts:
    """The database, the publisher, presence, this process's hub and state notifier, the
    address budgets, the metrics, and a way to wake the mail sender."""

    settings: Settings
    db: Database
    publisher: Publisher
    presence: Presence
    hub: Hub
    notifier: StateNotifier
    limits: AddressLimits
    metrics: Metrics
    wake_mail: Callable[[], None]
