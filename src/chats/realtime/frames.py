"""The wire protocol's client frames as pydantic models (protocol §2, §5).

One model per frame; `type` is a Literal; unknown fields are refused. The
server-to-client frames are built by `chats.realtime.serialize` and described
for TypeScript by `ServerFrame` models at the end of this module.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from chats.domain.availability import Availability, StaffStatus
from chats.domain.conversation import ConversationKind, ConversationStatus
from chats.domain.staff import StaffRole

ClientMsgId = Annotated[str, Field(min_length=1, max_length=64)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
# Generous bound: the 4,000-character rule (too_large) is checked after trimming.
Text = Annotated[str, Field(max_length=60_000)]


class ClientFrame(BaseModel):
    """A frame sent by a client: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class GuestResume(ClientFrame):
    conversation_id: Id
    after_seq: int = Field(ge=0)


class GuestHello(ClientFrame):
    type: Literal["hello"]
    store: Annotated[str, Field(min_length=1, max_length=64)]
    token: Annotated[str, Field(max_length=1000)] | None = None
    resume: GuestResume | None = None
    locale: Literal["ja", "en"] | None = None


class FormShown(ClientFrame):
    type: Literal["form_shown"]


class Start(ClientFrame):
    type: Literal["start"]
    nickname: Annotated[str, Field(min_length=1, max_length=100)]
    fields: dict[str, Annotated[str, Field(max_length=2000)]] | None = None


class GuestSend(ClientFrame):
    type: Literal["send"]
    client_msg_id: ClientMsgId
    text: Text


class GuestTyping(ClientFrame):
    type: Literal["typing"]
    text: Annotated[str, Field(max_length=4000)]


class Read(ClientFrame):
    type: Literal["read"]
    conversation_id: Id
    seq: int = Field(ge=0)


class LeaveMessage(ClientFrame):
    type: Literal["leave_message"]
    client_msg_id: ClientMsgId
    nickname: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(max_length=320)] | None = None
    text: Text


class GuestEnd(ClientFrame):
    type: Literal["end"]


class Rate(ClientFrame):
    """Issue 19: the guest rates its own ended chat (1–5), once, with an optional comment."""

    type: Literal["rate"]
    conversation_id: Id
    score: int
    # Generous bound: the 1,000-code-point rule (too_large) is checked after trimming.
    comment: Annotated[str, Field(max_length=20_000)] | None = None


class TranscriptRequest(ClientFrame):
    """Issue 19: mail the transcript of the guest's own ended chat to an address."""

    type: Literal["transcript"]
    conversation_id: Id
    email: Annotated[str, Field(max_length=320)]


GuestFrame = Annotated[
    GuestHello | FormShown | Start | GuestSend | GuestTyping | Read | LeaveMessage | GuestEnd
    | Rate | TranscriptRequest,
    Field(discriminator="type"),
]


class StaffHello(ClientFrame):
    type: Literal["hello"]
    resume: dict[Id, Annotated[int, Field(ge=0)]] | None = None


class Claim(ClientFrame):
    type: Literal["claim"]
    conversation_id: Id


class StaffSend(ClientFrame):
    type: Literal["send"]
    conversation_id: Id
    client_msg_id: ClientMsgId
    kind: Literal["text", "stamp"] = "text"
    text: Text | None = None
    stamp: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class Transfer(ClientFrame):
    type: Literal["transfer"]
    conversation_id: Id
    to_staff_id: Id


class StaffEnd(ClientFrame):
    type: Literal["end"]
    conversation_id: Id


class StaffTyping(ClientFrame):
    type: Literal["typing"]
    conversation_id: Id
    active: bool


class Supervise(ClientFrame):
    """Admins: receive the store's `overview` now and whenever it changes."""

    type: Literal["supervise"]


class Watch(ClientFrame):
    """Admins: follow a conversation read-only (`watching`, then its messages live)."""

    type: Literal["watch"]
    conversation_id: Id


class Unwatch(ClientFrame):
    type: Literal["unwatch"]
    conversation_id: Id


class Intervene(ClientFrame):
    """Admins: take over, reassign, return to the queue or end any open conversation."""

    type: Literal["intervene"]
    conversation_id: Id
    action: Literal["take_over", "reassign", "release", "end"]
    to_staff_id: Id | None = None  # reassign only


StaffFrame = Annotated[
    StaffHello | Claim | StaffSend | Read | Transfer | StaffEnd | StaffTyping | Supervise
    | Watch | Unwatch | Intervene,
    Field(discriminator="type"),
]

GUEST_FRAMES: TypeAdapter[Any] = TypeAdapter(GuestFrame)
STAFF_FRAMES: TypeAdapter[Any] = TypeAdapter(StaffFrame)
GUEST_TYPES = {"hello", "form_shown", "start", "send", "typing", "read", "leave_message", "end",
               "rate", "transcript"}
STAFF_TYPES = {"hello", "claim", "send", "read", "transfer", "end", "typing", "supervise",
               "watch", "unwatch", "intervene"}


# ---------------------------------------------------------------------------
# Server → client. The server builds these frames as dicts; the models are the
# contract the TypeScript types are generated from, and tests validate every
# frame a real session receives against them. Clients must ignore extra fields.


class ServerFrame(BaseModel):
    """A frame sent by the server (clients tolerate fields added later)."""

    model_config = ConfigDict(extra="forbid")


class StaffRef(ServerFrame):
    id: str
    name: str


class FileRef(ServerFrame):
    name: str
    size: int
    url: str
    content_type: str | None = None


class MessageFrame(ServerFrame):
    type: Literal["message"]
    conversation_id: str
    seq: int
    message_id: str
    client_msg_id: str | None
    author: Literal["guest", "staff", "system"]
    staff: StaffRef | None
    kind: Literal["text", "stamp", "file", "system"]
    text: str
    created_at: str
    stamp: str | None = None
    stamp_url: str | None = None
    file: FileRef | None = None


class AckFrame(ServerFrame):
    type: Literal["ack"]
    client_msg_id: str | None
    conversation_id: str
    seq: int
    message_id: str


class ReadFrame(ServerFrame):
    type: Literal["read"]
    conversation_id: str
    seq: int


class ErrorFrame(ServerFrame):
    type: Literal["error"]
    code: Literal["bad_frame", "unauthorized", "forbidden", "not_found", "unavailable",
                  "blacklisted", "already_taken", "capacity_full", "too_large",
                  "rate_limited", "conflict"]
    message: str
    ref: str | None = None


class SettingsChangedFrame(ServerFrame):
    type: Literal["settings_changed"]
    what: str


class BusyInfo(ServerFrame):
    """Our addition while busy (issue 14): the queue, the wait, and whether a guest may join."""

    waiting: int
    estimated_wait_seconds: int | None
    queue_open: bool


class AvailabilityFrame(ServerFrame):
    type: Literal["availability"]
    status: Availability
    # Our addition on the guest socket: the guest was (un)blacklisted just now.
    blacklisted: bool | None = None
    busy: BusyInfo | None = None
    # Issue 16: outside business hours (status away), when the store next opens, in its
    # own zone with the offset ("2026-12-04T10:00+09:00"); null: not within a year.
    opens_at: str | None = None


class Rating(ServerFrame):
    """Issue 19: a guest's satisfaction rating of a chat."""

    score: int
    comment: str | None
    rated_at: str | None


class AssignedStaff(ServerFrame):
    name: str


class GuestConversationFrame(ServerFrame):
    type: Literal["conversation"]
    id: str
    status: ConversationStatus
    staff: AssignedStaff | None
    queue_position: int | None = None
    rating: Rating | None = None  # issue 19: once the guest rated the ended chat


class GuestWelcome(ServerFrame):
    type: Literal["welcome"]
    token: str
    guest_id: str
    availability: Availability
    conversation: GuestConversationFrame | None
    unread: int
    blacklisted: bool
    busy: BusyInfo | None = None
    opens_at: str | None = None  # as AvailabilityFrame


class RatedFrame(ServerFrame):
    """The answer to `rate`: the rating as stored."""

    type: Literal["rated"]
    conversation_id: str
    rating: Rating


class TranscriptQueuedFrame(ServerFrame):
    """The answer to `transcript`: the mail is queued in the outbox (sent shortly)."""

    type: Literal["transcript_queued"]
    conversation_id: str
    email: str


class StaffTypingToGuest(ServerFrame):
    type: Literal["typing"]
    conversation_id: str
    active: bool


GuestServerFrame = Annotated[
    GuestWelcome | AvailabilityFrame | GuestConversationFrame | MessageFrame | AckFrame
    | ReadFrame | StaffTypingToGuest | SettingsChangedFrame | ErrorFrame | RatedFrame
    | TranscriptQueuedFrame,
    Field(discriminator="type"),
]


class GuestRef(ServerFrame):
    id: str
    nickname: str | None


class StaffConversationFrame(ServerFrame):
    type: Literal["conversation"]
    id: str
    status: ConversationStatus
    staff_id: str | None
    guest: GuestRef
    kind: ConversationKind
    last_seq: int
    staff_read_seq: int
    guest_read_seq: int
    # Issue 19: the guest's satisfaction rating, once given (older servers leave it out).
    rating: Rating | None = None


class WaitingGuest(ServerFrame):
    conversation_id: str
    guest_id: str
    nickname: str
    since: str


class QueueFrame(ServerFrame):
    type: Literal["queue"]
    waiting: list[WaitingGuest]


class OnlineStaff(ServerFrame):
    id: str
    name: str
    active_chats: int
    max_chats: int
    status: StaffStatus


class OnlineFrame(ServerFrame):
    type: Literal["online"]
    staff: list[OnlineStaff]


class WelcomeStaff(ServerFrame):
    id: str
    login_id: str
    name: str
    role: StaffRole
    max_chats: int
    sound_enabled: bool = True


class WelcomeStore(ServerFrame):
    id: str
    name: str


class HoursFrame(ServerFrame):
    """Issue 16: whether the store is within its business hours (the console's notice)."""

    type: Literal["hours"]
    open: bool
    opens_at: str | None


class StaffWelcome(ServerFrame):
    type: Literal["welcome"]
    staff: WelcomeStaff
    store: WelcomeStore
    queue: list[WaitingGuest]
    mine: list[StaffConversationFrame]
    online: list[OnlineStaff]


class StaffMeFrame(ServerFrame):
    """The staff member's own record changed (limit, role, name): no reload needed."""

    type: Literal["me"]
    staff: WelcomeStaff


class GuestTypingToStaff(ServerFrame):
    type: Literal["typing"]
    conversation_id: str
    text: str


class GuestUpdatedFrame(ServerFrame):
    type: Literal["guest_updated"]
    guest_id: str


class LastMessage(ServerFrame):
    author: Literal["guest", "staff", "system"]
    kind: str
    text: str  # at most 80 code points; empty for a stamp
    created_at: str


class SupervisedConversation(ServerFrame):
    conversation_id: str
    guest_id: str
    nickname: str
    status: Literal[ConversationStatus.WAITING, ConversationStatus.ACTIVE]
    staff: StaffRef | None
    created_at: str
    # waiting: since it asked; active: the guest's oldest message not answered yet (or null)
    waiting_since: str | None
    last_message: LastMessage | None
    unread: int


class OverviewFrame(ServerFrame):
    """Admins who sent `supervise`: every open conversation of the store, on every change."""

    type: Literal["overview"]
    conversations: list[SupervisedConversation]


class WatchingFrame(ServerFrame):
    """The answer to `watch`; the conversation's messages follow."""

    type: Literal["watching"]
    conversation: StaffConversationFrame


StaffServerFrame = Annotated[
    StaffWelcome | QueueFrame | StaffConversationFrame | MessageFrame | AckFrame | ReadFrame
    | ErrorFrame | GuestTypingToStaff | OnlineFrame | GuestUpdatedFrame | SettingsChangedFrame
    | StaffMeFrame | OverviewFrame | WatchingFrame | HoursFrame,
    Field(discriminator="type"),
]

GUEST_SERVER_FRAMES: TypeAdapter[Any] = TypeAdapter(GuestServerFrame)
STAFF_SERVER_FRAMES: TypeAdapter[Any] = TypeAdapter(StaffServerFrame)
