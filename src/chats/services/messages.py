"""Messages: assign `seq` in the insert's transaction, idempotent by client_msg_id."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from chats.db.models import Conversation, Guest, Message, Staff, Upload
from chats.errors import ChatsError
from chats.ids import iso, new_id, utcnow

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.db.writer import Writer
    from chats.services.context import UnitOfWork

HISTORY_LIMIT = 100
MAX_PAGE = 500


class DuplicateMessage(Exception):
    """The client_msg_id was already stored: the caller acks the existing message."""

    def __init__(self, message: Message | StoredMessage) -> None:
        super().__init__(message.id)
        # A snapshot: the session that loaded the row is rolled back before the ack is built.
        self.message = StoredMessage.of(message)


@dataclass(frozen=True)
class StoredMessage:
    """A committed message as the hot path knows it (no ORM instance)."""

    id: str
    conversation_id: str
    seq: int
    client_msg_id: str | None
    text: str
    author: str = "guest"
    kind: str = "text"
    stamp: str | None = None
    staff_id: str | None = None
    upload_id: str | None = None
    created_at: datetime | None = None
    # The conversation's guest and assigned staff member: the audience.
    guest_id: str = ""
    assigned_staff_id: str | None = None
    store_id: str = ""

    @classmethod
    def of(cls, message: Message | StoredMessage) -> StoredMessage:
        """A snapshot of an ORM message (or the same snapshot)."""
        if isinstance(message, StoredMessage):
            return message
        return cls(message.id, message.conversation_id, message.seq, message.client_msg_id,
                   message.text, message.author, message.kind, message.stamp, message.staff_id,
                   message.upload_id, message.created_at)


_M = cast("Table", Message.__table__)
_C = cast("Table", Conversation.__table__)
_G = cast("Table", Guest.__table__)
OPEN_STATUSES = ("waiting", "active")


def _existing(conn: Connection, conversation_id: str, author: str,
              client_msg_id: str | None) -> StoredMessage | None:
    if not client_msg_id:
        return None
    row = conn.execute(
        select(_M.c.id, _M.c.conversation_id, _M.c.seq, _M.c.client_msg_id, _M.c.text)
        .where(_M.c.conversation_id == conversation_id, _M.c.author == author,
               _M.c.client_msg_id == client_msg_id)
    ).first()
    return StoredMessage(*row) if row else None


def insert_core(conn: Connection, *, conversation_id: str, store_id: str, author: str,
                kind: str = "text", text: str = "", stamp: str | None = None,
                staff_id: str | None = None, client_msg_id: str | None = None,
                upload_id: str | None = None) -> StoredMessage:
    """Take the conversation's next seq and insert the message, in the caller's transaction."""
    seq = conn.execute(
        update(_C).where(_C.c.id == conversation_id)
        .values(last_seq=_C.c.last_seq + 1).returning(_C.c.last_seq)
    ).scalar_one()
    stored = StoredMessage(new_id(), conversation_id, int(seq), client_msg_id, text, author, kind,
                           stamp, staff_id, upload_id, utcnow(), store_id=store_id)
    conn.execute(insert(_M).values(
        id=stored.id, conversation_id=conversation_id, store_id=store_id, seq=stored.seq,
        author=author, staff_id=staff_id, client_msg_id=client_msg_id, kind=kind, text=text,
        stamp=stamp, upload_id=upload_id, created_at=stored.created_at))
    return stored


def guest_send_job(guest_id: str, client_msg_id: str, text: str) -> Callable[[Connection],
                                                                             StoredMessage]:
    """A write job: a guest's message to its open conversation (DuplicateMessage if repeated)."""

    def job(conn: Connection) -> StoredMessage:
        conv = conn.execute(
            select(_C.c.id, _C.c.store_id, _C.c.staff_id, _C.c.status)
            .where(_C.c.guest_id == guest_id, _C.c.status.in_(OPEN_STATUSES))
            .order_by(_C.c.created_at.desc()).limit(1)
        ).first()
        if conv is None:
            previous = conn.execute(
                select(_M.c.id, _M.c.conversation_id, _M.c.seq, _M.c.client_msg_id, _M.c.text)
                .join(_C, _C.c.id == _M.c.conversation_id)
                .where(_C.c.guest_id == guest_id, _M.c.author == "guest",
                       _M.c.client_msg_id == client_msg_id)
            ).first()
            if previous is not None:
                raise DuplicateMessage(StoredMessage(*previous))
            raise ChatsError("not_found", "error.no_conversation")
        existing = _existing(conn, conv.id, "guest", client_msg_id)
        if existing is not None:
            raise DuplicateMessage(existing)
        stored = insert_core(conn, conversation_id=conv.id, store_id=conv.store_id,
                             author="guest", text=text, client_msg_id=client_msg_id)
        conn.execute(update(_G).where(_G.c.id == guest_id)
                     .values(last_contact_at=stored.created_at))
        active_staff = conv.staff_id if conv.status == "active" else None
        return replace(stored, guest_id=guest_id, assigned_staff_id=active_staff)

    return job


def staff_send_job(*, staff_id: str, store_id: str, conversation_id: str,
                   client_msg_id: str | None, kind: str, text: str, stamp: str | None,
                   upload_id: str | None = None) -> Callable[[Connection], StoredMessage]:
    """A write job: the assigned staff member's message (forbidden for anyone else)."""

    def job(conn: Connection) -> StoredMessage:
        conv = conn.execute(
            select(_C.c.id, _C.c.store_id, _C.c.staff_id, _C.c.status, _C.c.guest_id,
                   _C.c.first_response_at).where(_C.c.id == conversation_id)
        ).first()
        if conv is None or conv.store_id != store_id:
            raise ChatsError("not_found")
        existing = _existing(conn, conv.id, "staff", client_msg_id)
        if existing is not None:
            raise DuplicateMessage(existing)
        if conv.staff_id != staff_id or conv.status != "active":
            raise ChatsError("forbidden", "error.not_assigned")
        stored = insert_core(conn, conversation_id=conv.id, store_id=store_id, author="staff",
                             kind=kind, text=text, stamp=stamp, staff_id=staff_id,
                             client_msg_id=client_msg_id, upload_id=upload_id)
        if conv.first_response_at is None:
            conn.execute(update(_C).where(_C.c.id == conv.id)
                         .values(first_response_at=stored.created_at))
        return replace(stored, guest_id=conv.guest_id, assigned_staff_id=staff_id)

    return job


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
    """Store a message with the next seq (ORM callers); DuplicateMessage for a repeated id."""
    if client_msg_id:
        existing = await find_by_client_id(session, conversation.id, author, client_msg_id)
        if existing is not None:
            raise DuplicateMessage(existing)
    await session.flush()
    stored = await session.run_sync(lambda s: insert_core(
        s.connection(), conversation_id=conversation.id, store_id=conversation.store_id,
        author=author, kind=kind, text=text, stamp=stamp, staff_id=staff_id,
        client_msg_id=client_msg_id, upload_id=upload_id))
    set_committed_value(conversation, "last_seq", stored.seq)
    message = await session.get(Message, stored.id)
    assert message is not None
    return message


async def run_send(writer: Writer, job: Callable[[Connection], StoredMessage]) -> StoredMessage:
    """Run a send job; a racing duplicate (unique violation) is retried and becomes an ack."""
    try:
        return await writer.run(job)
    except IntegrityError:
        return await writer.run(job)


def file_url(upload: Upload) -> str:
    """The download URL of an uploaded chat file (the id is an unguessable capability)."""
    return f"/files/{upload.id}"


def message_frame(
    message: Message | StoredMessage, *, staff_name: str | None = None, upload: Upload | None = None
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
        "created_at": iso(message.created_at or utcnow()),
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


async def frames_for(session: AsyncSession,
                     messages: Sequence[Message | StoredMessage]) -> list[dict[str, Any]]:
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
    frames = [
        message_frame(
            m,
            staff_name=names.get(m.staff_id or ""),
            upload=uploads.get(m.upload_id or ""),
        )
        for m in messages
    ]
    await _add_stamp_urls(session, messages, frames)
    return frames


async def _add_stamp_urls(session: AsyncSession, messages: Sequence[Message | StoredMessage],
                          frames: list[dict[str, Any]]) -> None:
    """Stamp frames carry the picture's URL, so any client can draw a store's own stamp."""
    from chats.services.stamps import stamp_url

    cache: dict[tuple[str, str], str | None] = {}
    for message, frame in zip(messages, frames, strict=True):
        store_id = getattr(message, "store_id", None)
        if message.kind != "stamp" or not message.stamp or not store_id:
            continue
        key = (store_id, message.stamp)
        if key not in cache:
            cache[key] = await stamp_url(session, store_id, message.stamp)
        if cache[key]:
            frame["stamp_url"] = cache[key]


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


def publish_message(uow: UnitOfWork, frame: dict[str, Any], audience: list[str]) -> None:
    """Queue a message frame for each audience channel (sent after commit)."""
    for channel in audience:
        uow.publish(channel, frame)
