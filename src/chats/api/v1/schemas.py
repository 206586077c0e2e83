"""The bodies of the REST API (/api/v1): stable ids, ISO 8601 UTC times."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chats.api.schemas import StrictBody
from chats.db.models import Conversation, Guest, StoreField
from chats.services import guest_directory as directory

Status = Literal["waiting", "active", "ended"]


class ConversationV1(BaseModel):
    id: str
    guest_id: str
    staff_id: str | None
    kind: str = Field(description="chat (from the widget), message (left while away), "
                                  "offline (a reply sent while the guest was away)")
    status: str
    nickname: str | None
    end_reason: str | None
    last_seq: int = Field(description="The seq of the conversation's newest message")
    created_at: datetime
    claimed_at: datetime | None
    first_response_at: datetime | None
    ended_at: datetime | None


class ConversationPageV1(BaseModel):
    conversations: list[ConversationV1]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; "
                                                "null on the last page")


class StaffRef(BaseModel):
    id: str
    name: str


class FileRef(BaseModel):
    name: str
    size: int
    url: str
    content_type: str


class MessageV1(BaseModel):
    id: str
    seq: int
    author: Literal["guest", "staff", "system"]
    staff: StaffRef | None
    kind: str
    text: str
    stamp: str | None = None
    file: FileRef | None = None
    created_at: datetime


class MessagePageV1(BaseModel):
    messages: list[MessageV1]
    next_after_seq: int | None = Field(description="Pass as `after_seq` for the next page; "
                                                   "null when no more messages follow")


class GuestV1(BaseModel):
    id: str
    nickname: str | None
    profile: dict[str, str] = Field(description="The store's user-information fields by key")
    notes: str
    blacklisted: bool
    email: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    last_contact_at: datetime | None


class GuestPageV1(BaseModel):
    guests: list[GuestV1]
    next_cursor: str | None


class GuestUpdate(StrictBody):
    nickname: str | None = Field(default=None, min_length=1, max_length=100)
    profile: dict[str, str | None] | None = Field(
        default=None, description="Field key → value; null clears a field")
    notes: str | None = Field(default=None, max_length=10_000)
    blacklisted: bool | None = Field(default=None, description="true ends an open chat at once")


def conversation_v1(c: Conversation) -> ConversationV1:
    """The API's form of a conversation."""
    return ConversationV1(
        id=c.id, guest_id=c.guest_id, staff_id=c.staff_id, kind=c.kind, status=c.status,
        nickname=c.nickname, end_reason=c.end_reason, last_seq=c.last_seq,
        created_at=c.created_at, claimed_at=c.claimed_at,
        first_response_at=c.first_response_at, ended_at=c.ended_at)


def message_v1(frame: dict[str, Any]) -> MessageV1:
    """The API's form of a message, from its wire frame."""
    return MessageV1.model_validate({**frame, "id": frame["message_id"]})


def guest_v1(guest: Guest, fields: list[StoreField]) -> GuestV1:
    """The API's form of a guest: the fields the store still shows."""
    return GuestV1(
        id=guest.id, nickname=guest.nickname, profile=directory.visible_profile(guest, fields),
        notes=guest.notes or "", blacklisted=guest.blacklisted,
        email=directory.email_of(guest, fields), first_seen_at=guest.first_seen_at,
        last_seen_at=guest.last_seen_at, last_contact_at=guest.last_contact_at)
