"""Store and staff availability, computed from who is online and how loaded they are."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

MIN_CHATS_LIMIT: Final = 1
MAX_CHATS_LIMIT: Final = 9  # S7: one staff member handles at most 9 guests at once


class Availability(StrEnum):
    """What the chat-start button shows a guest (G1)."""

    AWAY = "away"
    WAITING = "waiting"
    BUSY = "busy"


class StaffStatus(StrEnum):
    """A staff member's own chat status in the console status bar (S1.3)."""

    CHATTING = "chatting"
    WAITING = "waiting"
    REPLYING = "replying"


@dataclass(frozen=True, slots=True)
class StaffLoad:
    """One online staff member's current load."""

    staff_id: str
    active_chats: int
    max_chats: int

    def __post_init__(self) -> None:
        """Refuse a negative chat count, which can only be a bookkeeping bug."""
        if self.active_chats < 0:
            raise ValueError(f"active_chats must be >= 0, got {self.active_chats}")


def validate_max_chats(n: int) -> int:
    """Return `n` if it is an allowed per-staff limit (A1: 1 to 9), else raise ValueError."""
    # bool is an int subclass; True as "1 chat" is always a caller mistake.
    if isinstance(n, bool) or not MIN_CHATS_LIMIT <= n <= MAX_CHATS_LIMIT:
        raise ValueError(f"max_chats must be {MIN_CHATS_LIMIT}..{MAX_CHATS_LIMIT}, got {n!r}")
    return n


def has_capacity(load: StaffLoad) -> bool:
    """Whether the staff member can take one more chat."""
    # The hard cap applies even if a stored limit is out of range.
    return load.active_chats < min(load.max_chats, MAX_CHATS_LIMIT)


def store_availability(online: Iterable[StaffLoad]) -> Availability:
    """Away with nobody online, waiting if anyone has a free slot, else busy."""
    anyone_online = False
    for load in online:
        if has_capacity(load):
            return Availability.WAITING
        anyone_online = True
    return Availability.BUSY if anyone_online else Availability.AWAY


def guest_availability(online: Iterable[StaffLoad], *, blacklisted: bool) -> Availability:
    """What one guest sees: always away when blacklisted (G5)."""
    if blacklisted:
        return Availability.AWAY
    return store_availability(online)


def staff_status(active_chats: int, replying_offline: bool) -> StaffStatus:
    """Chatting with an active chat, replying when writing offline replies, else waiting."""
    if active_chats > 0:
        return StaffStatus.CHATTING
    if replying_offline:
        return StaffStatus.REPLYING
    return StaffStatus.WAITING
