"""The waiting-guest queue (S6) and the rules for transferring a chat (S5.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - dataclass fields are resolved at runtime
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from chats.domain.availability import has_capacity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chats.domain.availability import StaffLoad


@dataclass(frozen=True, slots=True)
class QueuedConversation:
    """A conversation waiting for staff, as listed in the `queue` frame."""

    conversation_id: str
    guest_id: str
    nickname: str
    since: datetime

    def __post_init__(self) -> None:
        """Refuse naive datetimes: they cannot be compared with aware ones."""
        if self.since.utcoffset() is None:
            raise ValueError("since must be a timezone-aware datetime")


class TransferRefusal(StrEnum):
    """Why a conversation cannot be handed to another staff member."""

    NOT_FOUND = "not_found"
    SAME_STAFF = "same_staff"
    NOT_ONLINE = "not_online"
    CAPACITY_FULL = "capacity_full"


def _queue_key(item: QueuedConversation) -> tuple[datetime, str]:
    """Sort key: oldest first; the id breaks ties so every process agrees."""
    return (item.since, item.conversation_id)


def order_queue(items: Iterable[QueuedConversation]) -> list[QueuedConversation]:
    """The queue in serving order: longest-waiting guest first."""
    return sorted(items, key=_queue_key)


def queue_position(items: Iterable[QueuedConversation], conversation_id: str) -> int | None:
    """1-based position of `conversation_id` in the queue, or None if it is not queued."""
    for position, item in enumerate(order_queue(items), start=1):
        if item.conversation_id == conversation_id:
            return position
    return None


def can_transfer(
    target: StaffLoad | None, *, online: bool, same_staff: bool
) -> TransferRefusal | None:
    """None if the chat may move to `target`, else the first reason it may not."""
    if target is None:
        return TransferRefusal.NOT_FOUND
    if same_staff:
        return TransferRefusal.SAME_STAFF
    if not online:
        return TransferRefusal.NOT_ONLINE
    if not has_capacity(target):
        return TransferRefusal.CAPACITY_FULL
    return None


RECENT_WAITS: Final = 20
"""How many of the latest claimed chats the wait estimate looks at."""
RECENT_WAIT_HOURS: Final = 3
"""Claims older than this say nothing about today's queue."""


def estimate_wait(waits_seconds: Iterable[float]) -> int | None:
    """Median of recent waits (seconds, rounded up), or None when there are none to go by."""
    ordered = sorted(max(0.0, w) for w in waits_seconds)
    if not ordered:
        return None  # no data: say so rather than invent a figure
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return math.ceil(median)
