"""Conversation lifecycle: statuses, the events that move them, and why a chat ended."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping


class ConversationStatus(StrEnum):
    """Where a conversation is in its life (the `status` of the wire frames)."""

    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


# Open conversations still accept messages and events (`is_open`); SQL filters use this tuple.
OPEN_STATUSES: Final[tuple[ConversationStatus, ...]] = (
    ConversationStatus.WAITING,
    ConversationStatus.ACTIVE,
)


class ConversationKind(StrEnum):
    """How a conversation began (the `kind` of the wire frames)."""

    CHAT = "chat"  # started from the widget
    MESSAGE = "message"  # a message left while the store was away (G6)
    OFFLINE = "offline"  # a staff member's reply by mail to a guest who left (M1)


class ConversationEvent(StrEnum):
    """Something that happens to a conversation."""

    CLAIM = "claim"
    TRANSFER = "transfer"
    END = "end"
    GUEST_LEFT = "guest_left"
    BLACKLIST = "blacklist"
    RELEASE = "release"


class EndReason(StrEnum):
    """Why a conversation is ended; kept for statistics (A5 missed chats)."""

    GUEST_LEFT = "guest_left"
    STAFF_ENDED = "staff_ended"
    BLACKLISTED = "blacklisted"
    MISSED = "missed"
    MESSAGE_LEFT = "message_left"
    OFFLINE_REPLY = "offline_reply"


_WAITING, _ACTIVE, _ENDED = ConversationStatus
_Event = ConversationEvent

# The whole state machine. Anything missing here is refused; in particular
# nothing leaves `ended`, so a finished chat can never be claimed again.
TRANSITIONS: Final[Mapping[tuple[ConversationStatus, ConversationEvent], ConversationStatus]] = (
    MappingProxyType(
        {
            (_WAITING, _Event.CLAIM): _ACTIVE,
            (_WAITING, _Event.END): _ENDED,
            (_WAITING, _Event.GUEST_LEFT): _ENDED,
            (_WAITING, _Event.BLACKLIST): _ENDED,
            (_ACTIVE, _Event.TRANSFER): _ACTIVE,
            # Its staff member can no longer answer (disabled): back to the queue.
            (_ACTIVE, _Event.RELEASE): _WAITING,
            (_ACTIVE, _Event.END): _ENDED,
            (_ACTIVE, _Event.GUEST_LEFT): _ENDED,
            (_ACTIVE, _Event.BLACKLIST): _ENDED,
        }
    )
)


class InvalidTransition(Exception):
    """An event that the conversation's current status does not allow."""

    def __init__(self, status: ConversationStatus, event: ConversationEvent) -> None:
        super().__init__(f"cannot apply {event!s} to a {status!s} conversation")
        self.status = status
        self.event = event


def transition(status: ConversationStatus, event: ConversationEvent) -> ConversationStatus:
    """Return the status after `event`, or raise InvalidTransition."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise InvalidTransition(status, event) from None


def allowed_events(status: ConversationStatus) -> frozenset[ConversationEvent]:
    """The events that `status` accepts."""
    return frozenset(event for (source, event) in TRANSITIONS if source == status)


def is_open(status: ConversationStatus) -> bool:
    """Whether the conversation still accepts messages and events."""
    return status is not ConversationStatus.ENDED


def end_reason(status: ConversationStatus, event: ConversationEvent) -> EndReason:
    """Why a `status` conversation ends on `event`; raises InvalidTransition otherwise."""
    if transition(status, event) is not ConversationStatus.ENDED:
        raise InvalidTransition(status, event)
    if event is ConversationEvent.BLACKLIST:
        return EndReason.BLACKLISTED
    if event is ConversationEvent.GUEST_LEFT:
        # A guest who gives up before anyone answered is a missed chat (A5).
        waited_only = status is ConversationStatus.WAITING
        return EndReason.MISSED if waited_only else EndReason.GUEST_LEFT
    return EndReason.STAFF_ENDED
