"""Messages: assign `seq` in the insert's transaction, idempotent by client_msg_id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from chats.db.models import Conversation, Message, Staff, Upload
from chats.ids import iso, utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.services.context import UnitOfWork

HISTORY_LIMIT = 100
MAX_PAGE = 500


class DuplicateMessage(Exception):
    """The client_msg_id was already stored: the caller acks the existing message."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.id)
        # A snapshot: the session that loaded the row is rolled back before the ack is built.
        self.message = StoredRef(message.id, message.conversation_id, message.seq,
                                 message.client_msg_id, message.text)


@dataclass(frozen=True)
class StoredRef:
    """What an ack needs of a stored message."""

    id: str
    conversation_id: str
    seq: int
    client_msg_id: str | None
    text: str


async def find_by_client_id(
    session: AsyncSession, conversation_id: str, author: str, client_msg_id: str
) -> Message | None:
    """The message a client already sent with this id, if any."""
    return await session.scalar(
        select(Message).where(
            Message.conversation_id == conversation_id,
            Message.author == author,
            Message.client_msg_id == client_msg_id,
        )
    )


async def next_seq(session: AsyncSession, conversation_id: str) -> int:
    """Take the conversation's next seq (row-locks it on PostgreSQL until commit)."""
    seq = await session.scalar(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(last_seq=Conversation.last_seq + 1)
        .returning(Conversation.last_seq)
    )
    assert seq is not None
    return int(seq)


async def insert_message(
    session: AsyncSession,
    conversation: Conversation,
    *,
    author: str,
    kind: str = "text",
    text: str = "",
    stamp: str | None = None,
    staff_id: str | None = None,
    client_msg_id: str | None = None,
    upload_id: str | None = None,
) -> Message:
    """Store a message with the next seq; raises DuplicateMessage for a repeated client id."""
    if client_msg_id:
        existing = await find_by_client_id(session, conversation.id, author, client_msg_id)
        if existing is not None:
            raise DuplicateMessage(existing)
    seq = await next_seq(session, conversation.id)
    set_committed_value(conversation, "last_seq", seq)
    message = Message(
        conversation_id=conversation.id,
        store_id=conversation.store_id,
        seq=seq,
        author=author,
        staff_id=staff_id,
        client_msg_id=client_msg_id,
        kind=kind,
        text=text,
        stamp=stamp,
        upload_id=upload_id,
        created_at=utcnow(),
    )
    session.add(message)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        # A concurrent send with the same client id won the race: ack that one.
        if client_msg_id:
            existing = await find_by_client_id(session, conversation.id, author, client_msg_id)
            if existing is not None:
                raise DuplicateMessage(existing) from None
        raise
    return message


def file_url(upload: Upload) -> str:
    """The download URL of an uploaded chat file (the id is an unguessable capability)."""
    return f"/files/{upload.id}"


def message_frame(
    message: Message, *, staff_name: str | None = None, upload: Upload | None = None
) -> dict[str, Any]:
    """The wire form of a message (protocol §3)."""
    frame: dict[str, Any] = {
        "type": "message",
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "message_id": message.id,
        "client_msg_id": message.client_msg_id,
        "author": message.author,
        "staff": {"id": message.staff_id, "name": staff_name or ""} if message.staff_id else None,
        "kind": message.kind,
        "text": message.text,
        "created_at": iso(message.created_at),
    }
    if message.stamp:
        frame["stamp"] = message.stamp
    if upload is not None:
        frame["file"] = {
            "name": upload.original_name,
            "size": upload.size,
            "url": file_url(upload),
            "content_type": upload.content_type,
        }
    return frame


async def frames_for(session: AsyncSession, messages: list[Message]) -> list[dict[str, Any]]:
    """Wire frames for stored messages, with staff names and files loaded in two queries."""
    staff_ids = {m.staff_id for m in messages if m.staff_id}
    upload_ids = {m.upload_id for m in messages if m.upload_id}
    names: dict[str, str] = {}
    uploads: dict[str, Upload] = {}
    if staff_ids:
        rows = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))
        names = {row.id: row.name for row in rows}
    if upload_ids:
        found = await session.scalars(select(Upload).where(Upload.id.in_(upload_ids)))
        uploads = {u.id: u for u in found}
    return [
        message_frame(
            m,
            staff_name=names.get(m.staff_id or ""),
            upload=uploads.get(m.upload_id or ""),
        )
        for m in messages
    ]


async def messages_after(
    session: AsyncSession, conversation_id: str, after_seq: int, limit: int = MAX_PAGE
) -> list[Message]:
    """Messages with seq > after_seq, in order, at most `limit`."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list(rows)


async def latest_messages(
    session: AsyncSession, conversation_id: str, limit: int = HISTORY_LIMIT
) -> list[Message]:
    """The latest `limit` messages, oldest first."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.seq.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


def publish_message(uow: UnitOfWork, frame: dict[str, Any], audience: list[str]) -> None:
    """Queue a message frame for each audience channel (sent after commit)."""
    for channel in audience:
        uow.publish(channel, frame)
