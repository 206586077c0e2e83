"""The wire protocol's client frames as pydantic models (protocol §2, §5).

One model per frame; `type` is a Literal; unknown fields are refused. The
server-to-client frames are built by `chats.realtime.serialize` and described
for TypeScript by `ServerFrame` models at the end of this module.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

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
    token: Annotated[str, Field(max_length=128)] | None = None
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


GuestFrame = Annotated[
    GuestHello | FormShown | Start | GuestSend | GuestTyping | Read | LeaveMessage | GuestEnd,
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


StaffFrame = Annotated[
    StaffHello | Claim | StaffSend | Read | Transfer | StaffEnd | StaffTyping,
    Field(discriminator="type"),
]

GUEST_FRAMES: TypeAdapter[Any] = TypeAdapter(GuestFrame)
STAFF_FRAMES: TypeAdapter[Any] = TypeAdapter(StaffFrame)
GUEST_TYPES = {"hello", "form_shown", "start", "send", "typing", "read", "leave_message", "end"}
STAFF_TYPES = {"hello", "claim", "send", "read", "transfer", "end", "typing"}
