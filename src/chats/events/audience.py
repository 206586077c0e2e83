"""Who receives a frame: one function per audience, nothing crosses stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chats.db.models import Conversation


def guest_channel(guest_id: str) -> str:
    """Every socket of one guest."""
    return f"guest:{guest_id}"


def staff_channel(staff_id: str) -> str:
    """Every socket of one staff member."""
    return f"staff:{staff_id}"


def store_staff_channel(store_id: str) -> str:
    """Every staff socket of one store (queue, online list, guest updates)."""
    return f"store:{store_id}:staff"


def store_guests_channel(store_id: str) -> str:
    """Every guest socket of one store (availability)."""
    return f"store:{store_id}:guests"


def store_supervisors_channel(store_id: str) -> str:
    """The admin sockets of one store that asked for the supervisor overview."""
    return f"store:{store_id}:supervisors"


def store_of_channel(channel: str) -> str | None:
    """The store a store-wide channel belongs to; None for any other channel."""
    return channel.split(":", 2)[1] if channel.startswith("store:") else None


def watchers_channel(conversation_id: str) -> str:
    """The admin sockets following one conversation read-only (the supervisor view)."""
    return f"watch:{conversation_id}"


def conversation_audience(conversation: Conversation) -> list[str]:
    """A conversation's messages go to its guest, its assigned staff member and the admins
    following it; nobody else."""
    channels = [guest_channel(conversation.guest_id)]
    if conversation.staff_id:
        channels.append(staff_channel(conversation.staff_id))
    channels.append(watchers_channel(conversation.id))
    return channels
