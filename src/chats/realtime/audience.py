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


def conversation_audience(conversation: Conversation) -> list[str]:
    """A conversation's messages go to its guest and its assigned staff member, nobody else."""
    channels = [guest_channel(conversation.guest_id)]
    if conversation.staff_id:
        channels.append(staff_channel(conversation.staff_id))
    return channels
