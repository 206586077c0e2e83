"""Request and response bodies of the console's HTTP calls (guests, canned responses, files)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chats.api.schemas import StrictBody
from chats.domain.conversation import ConversationKind, ConversationStatus


class MessageStaff(BaseModel):
    id: str
    name: str


class MessageFile(BaseModel):
    name: str
    size: int
    url: str
    content_type: str | None = None


class ChatMessage(BaseModel):
    """A stored message as HTTP answers carry it (protocol §3 without `type`)."""

    conversation_id: str
    seq: int
    message_id: str
    client_msg_id: str | None
    author: Literal["guest", "staff", "system"]
    staff: MessageStaff | None
    kind: Literal["text", "stamp", "file", "system"]
    text: str
    stamp: str | None = None
    file: MessageFile | None = None
    created_at: str


class FileMessageOut(BaseModel):
    message: ChatMessage


class GuestSummary(BaseModel):
    """One line of the guest list (W1)."""

    id: str
    nickname: str | None
    name: str | None = Field(description="The profile's name field, when filled in.")
    blacklisted: bool
    last_contact_at: datetime | None
    unread_for_staff: bool = Field(description="有: guest messages staff has not read yet.")
    sent_to_guest: int = Field(description="Offline replies sent to the guest (M1).")
    unread_by_guest: int = Field(description="Staff messages the guest has not read yet.")
    conversations: int
    erased_at: datetime | None = Field(
        default=None, description="When an admin erased the guest (issue 17), else null.")


class GuestPage(BaseModel):
    guests: list[GuestSummary]
    page: int
    has_more: bool


class FieldDefinition(BaseModel):
    key: str
    label: str
    type: str
    options: list[str]
    required: bool
    ask_before_chat: bool


class ConversationRating(BaseModel):
    """A guest's satisfaction rating of a chat (issue 19): 1 (worst) to 5."""

    score: int
    comment: str | None
    rated_at: datetime | None


class ConversationOut(BaseModel):
    id: str
    kind: ConversationKind
    status: ConversationStatus
    staff_id: str | None
    staff_name: str | None
    nickname: str | None
    created_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    last_seq: int
    staff_read_seq: int
    guest_read_seq: int
    rating: ConversationRating | None = None  # issue 19: the guest's rating, once given


class GuestDetail(BaseModel):
    """The user-information panel (S3) of one guest."""

    id: str
    nickname: str | None
    profile: dict[str, str]
    fields: list[FieldDefinition]
    notes: str
    blacklisted: bool
    email: str | None = Field(description="The address an e-mail notice (M2) would go to.")
    first_referrer: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    last_contact_at: datetime | None
    conversations: list[ConversationOut]
    erased_at: datetime | None = Field(
        default=None, description="When an admin erased the guest (issue 17), else null.")


class GuestPatch(StrictBody):
    nickname: str | None = Field(default=None, min_length=1, max_length=100)
    profile: dict[str, str | None] | None = None
    notes: str | None = Field(default=None, max_length=10_000)
    blacklisted: bool | None = None


class PageViewOut(BaseModel):
    url: str
    title: str
    referrer: str | None
    search_words: str | None = Field(
        default=None, description="The words searched for, when the referrer is a Google or "
        "Yahoo! JAPAN result page that names them.")
    viewed_at: datetime


class PageViewList(BaseModel):
    first_referrer: str | None
    first_search_words: str | None = Field(
        default=None, description="The search words of `first_referrer`, decoded.")
    pageviews: list[PageViewOut]


class OfflineReplyIn(StrictBody):
    text: str = Field(min_length=1, max_length=60_000)
    notify_email: bool = False


class OfflineReplyOut(BaseModel):
    message: ChatMessage
    notified: bool


class CannedOut(BaseModel):
    id: str
    scope: Literal["personal", "store"]
    shortcut: str
    title: str
    text: str
    editable: bool


class CannedList(BaseModel):
    canned_responses: list[CannedOut]


class CannedIn(StrictBody):
    scope: Literal["personal", "store"] = "personal"
    shortcut: str = Field(default="", max_length=64)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000)


class CannedPatch(StrictBody):
    shortcut: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    text: str | None = Field(default=None, min_length=1, max_length=4000)


class PaletteStamp(BaseModel):
    code: str
    label: str
    url: str
    builtin: bool


class StampPalette(BaseModel):
    stamps: list[PaletteStamp]


class MePatch(StrictBody):
    sound_enabled: bool | None = None


class Preferences(BaseModel):
    sound_enabled: bool
