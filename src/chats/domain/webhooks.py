"""Outgoing webhooks (issue 17 item 3): the events, a delivery's life, back-off, safe addresses.

Pure rules only; the table rows, the outbox and the deliverer are
`services/webhooks.py` and `services/webhook_delivery.py`.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import timedelta
from enum import StrEnum


class WebhookEvent(StrEnum):
    """What an endpoint can ask to hear about."""

    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_CLAIMED = "conversation.claimed"
    CONVERSATION_TRANSFERRED = "conversation.transferred"
    CONVERSATION_ENDED = "conversation.ended"
    MESSAGE_CREATED = "message.created"
    MESSAGE_LEFT_WHILE_AWAY = "message.left_while_away"
    GUEST_BLACKLISTED = "guest.blacklisted"
    CONVERSATION_RATED = "conversation.rated"  # issue 19: the guest's satisfaction rating


class DeliveryStatus(StrEnum):
    """Where one delivery of the outbox is."""

    PENDING = "pending"  # queued, or waiting for its next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # given up (a day of failures, or its endpoint was disabled or removed)


RETRY_FOR = timedelta(hours=24)
"""A delivery is tried for at least this long; an endpoint failing this long is disabled."""
LOG_KEEP = timedelta(days=30)
"""Delivered and failed deliveries stay in the log this long, then are purged."""
FIRST_RETRY = 10.0
MAX_RETRY = 3600.0
EXCERPT_CHARS = 500
"""How much of an endpoint's answer the delivery log keeps."""


def backoff_seconds(attempts: int, first: float = FIRST_RETRY) -> float:
    """Delay after the `attempts`-th failure: `first` doubling, ±20 % jitter, at most an hour."""
    base = first * 2.0 ** min(max(attempts - 1, 0), 20)
    return min(base * random.uniform(0.8, 1.2), MAX_RETRY)


def subscribes(events: list[str], event: str) -> bool:
    """Whether an endpoint's event list includes `event`."""
    return event in events


def events_pattern(event: WebhookEvent) -> str:
    """The LIKE pattern that finds `event` in an endpoint's stored JSON list."""
    return f'%"{event.value}"%'


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local …)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def excerpt(text: str) -> str:
    """The start of an answer body, as the delivery log keeps it."""
    return text[:EXCERPT_CHARS]
