"""Messages: assign `seq` in the insert's transaction, idempotent by client_msg_id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, exists, func, literal, null, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from chats.db.hot import HotStatement
from chats.db.models import Conversation, Guest, Message, Staff, Upload
from chats.domain.conversation import OPEN_STATUSES, ConversationStatus
from chats.errors import ChatsError
from chats.ids import iso, new_id, utcnow
from chats.services.stamps import stamp_url
from chats.services.webhooks import (
    message_hook_params,
    message_hooks_cte,
    message_hooks_sqlite,
    queued,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql import Executable
    from sqlalchemy.sql.dml import Update
    from sqlalchemy.sql.elements import BindParameter
    from sqlalchemy.sql.selectable import CTE

    from chats.db.writer import Writer
    from chats.events.unit_of_work import UnitOfWork

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
MESSAGE_COLUMNS = ("id", "conversation_id", "store_id", "seq", "author", "staff_id",
                   "client_msg_id", "kind", "text", "stamp", "upload_id", "created_at")


def _insert_message(dialect: str) -> Executable:
    """INSERT a message; a repeated (conversation, author, client_msg_id) inserts nothing."""
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    return (make(_M).values({name: bindparam(name) for name in MESSAGE_COLUMNS})
            .on_conflict_do_nothing(index_elements=["conversation_id", "author", "client_msg_id"])
            .returning(_M.c.id))


def _bump_guest_conversation(_dialect: str = "") -> Update:
    """Take the next seq of the guest's newest open conversation, in one statement."""
    return (update(_C)
            .where(_C.c.id == select(_C.c.id)
                   .where(_C.c.guest_id == bindparam("b_guest_id"),
                          or_(*(_C.c.status == status for status in OPEN_STATUSES)))
                   .order_by(_C.c.created_at.desc()).limit(1).scalar_subquery())
            .values(last_seq=_C.c.last_seq + 1)
            .returning(_C.c.id, _C.c.store_id, _C.c.staff_id, _C.c.status, _C.c.last_seq))


def _bump_assigned_conversation(_dialect: str = "") -> Update:
    """Take the next seq of a conversation only when this staff member is its assignee."""
    return (update(_C)
            .where(_C.c.id == bindparam("b_id"), _C.c.store_id == bindparam("b_store_id"),
                   _C.c.staff_id == bindparam("b_staff_id"),
                   _C.c.status == ConversationStatus.ACTIVE)
            .values(last_seq=_C.c.last_seq + 1,
                    first_response_at=func.coalesce(
                        _C.c.first_response_at,
                        bindparam("b_now", type_=_C.c.first_response_at.type)))
            .returning(_C.c.guest_id, _C.c.last_seq))


_BUMP_GUEST_CONVERSATION = HotStatement(_bump_guest_conversation)
_BUMP_ASSIGNED_CONVERSATION = HotStatement(_bump_assigned_conversation)
_BUMP_CONVERSATION = HotStatement(lambda _d: (
    update(_C).where(_C.c.id == bindparam("b_id"))
    .values(last_seq=_C.c.last_seq + 1).returning(_C.c.last_seq)))
_INSERT_MESSAGE = HotStatement(_insert_message)
_GUEST_CONTACT = HotStatement(lambda _d: (
    update(_G).where(_G.c.id == bindparam("b_id"))
    .values(last_contact_at=bindparam("b_now"))))
_EXISTING = HotStatement(lambda _d: (
    select(_M.c.id, _M.c.conversation_id, _M.c.seq, _M.c.client_msg_id, _M.c.text)
    .where(_M.c.conversation_id == bindparam("conversation_id"),
           _M.c.author == bindparam("author"),
           _M.c.client_msg_id == bindparam("client_msg_id"))))



def _typed(name: str) -> BindParameter[Any]:
    """A bind parameter typed like the message column it fills (asyncpg needs the type).

    Named `m_<column>`: a parameter named like a column would also be SET by the UPDATE.
    """
    return bindparam(f"m_{name}", type_=_M.c[name].type)


def _not_sent_yet(conversation_id: Any, author: str) -> Any:
    """No message of this author in the conversation carries the send's client_msg_id."""
    return ~exists().where(_M.c.conversation_id == conversation_id, _M.c.author == author,
                           _M.c.client_msg_id == _typed("client_msg_id"))


def _insert_from(bump: CTE, fixed: dict[str, Any]) -> CTE:
    """PostgreSQL: INSERT the message with the seq the `bump` CTE took.

    A plain INSERT: if a racing repeat slipped past the bump's guard, the unique
    constraint fails the whole statement, seq included (nothing half done).
    """
    values = {"conversation_id": bump.c.id, "seq": bump.c.last_seq, **fixed}
    columns = [values.get(name, _typed(name)) for name in MESSAGE_COLUMNS]
    return (pg_insert(_M).from_select(list(MESSAGE_COLUMNS), select(*columns))
            .returning(_M.c.id).cte("ins"))


def _guest_send_pg(_dialect: str) -> Executable:
    """PostgreSQL: a guest's send as one statement (seq, insert, last contact)."""
    bump = (_bump_guest_conversation().where(_not_sent_yet(_C.c.id, "guest"))
            .cte("bump"))
    ins = _insert_from(bump, {"store_id": bump.c.store_id, "author": literal("guest"),
                              "staff_id": null(), "kind": literal("text"), "stamp": null(),
                              "upload_id": null()})
    contact = (update(_G).where(_G.c.id == bindparam("b_guest_id"),
                                exists(select(bump.c.id)))
               .values(last_contact_at=bindparam("b_now")).cte("contact"))
    return (select(bump.c.id, bump.c.store_id, bump.c.staff_id, bump.c.status, bump.c.last_seq,
                   ins.c.id).select_from(bump.join(ins, true()))
            .add_cte(contact, message_hooks_cte(bump, ins)))


def _staff_send_pg(_dialect: str) -> Executable:
    """PostgreSQL: an assignee's send as one statement (seq and first response, insert)."""
    bump = (_bump_assigned_conversation().where(_not_sent_yet(_C.c.id, "staff"))
            .returning(_C.c.id, _C.c.store_id).cte("bump"))
    ins = _insert_from(bump, {"store_id": bump.c.store_id, "author": literal("staff")})
    return select(bump.c.guest_id, bump.c.last_seq, ins.c.id).select_from(
        bump.join(ins, true())).add_cte(message_hooks_cte(bump, ins))


def _run_pg_send(conn: Connection, statement: HotStatement, params: dict[str, Any],
                 repeat_of: Callable[[], Exception | None]) -> tuple[Any, ...] | None:
    """Run a one-statement send; a racing repeat (unique violation) becomes its ack."""
    try:
        return statement.first(conn, params)
    except IntegrityError:
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        found = repeat_of() if autocommit else None  # in a transaction: aborted, re-raise
        if found is None:
            raise
        raise found from None


# One statement on PostgreSQL: with `one_statement=True` (autocommit) one round trip.
_GUEST_SEND_PG = HotStatement(_guest_send_pg)
_STAFF_SEND_PG = HotStatement(_staff_send_pg)

def _existing(conn: Connection, conversation_id: str, author: str,
              client_msg_id: str | None) -> StoredMessage | None:
    if not client_msg_id:
        return None
    row = _EXISTING.first(conn, {"conversation_id": conversation_id, "author": author,
                                 "client_msg_id": client_msg_id})
    return StoredMessage(*row) if row else None


def _insert(conn: Connection, stored: StoredMessage) -> None:
    """Insert `stored`; DuplicateMessage (the caller's savepoint undoes its seq) if repeated."""
    inserted = _INSERT_MESSAGE.first(conn, {
        "id": stored.id, "conversation_id": stored.conversation_id, "store_id": stored.store_id,
        "seq": stored.seq, "author": stored.author, "staff_id": stored.staff_id,
        "client_msg_id": stored.client_msg_id, "kind": stored.kind, "text": stored.text,
        "stamp": stored.stamp, "upload_id": stored.upload_id, "created_at": stored.created_at})
    if inserted is None:
        raise _duplicate(conn, stored)


def _duplicate(conn: Connection, stored: StoredMessage) -> Exception:
    """The ack of the message an insert that inserted nothing repeated."""
    existing = _existing(conn, stored.conversation_id, stored.author, stored.client_msg_id)
    if existing is None:  # pragma: no cover - the conflicting row is visible to this statement
        return ChatsError("conflict")
    return DuplicateMessage(existing)


def insert_core(conn: Connection, *, conversation_id: str, store_id: str, author: str,
                kind: str = "text", text: str = "", stamp: str | None = None,
                staff_id: str | None = None, client_msg_id: str | None = None,
                upload_id: str | None = None) -> StoredMessage:
    """Take the conversation's next seq and insert the message, in the caller's transaction."""
    seq = _BUMP_CONVERSATION.rows(conn, {"b_id": conversation_id})[0][0]
    stored = StoredMessage(new_id(), conversation_id, int(seq), client_msg_id, text, author, kind,
                           stamp, staff_id, upload_id, utcnow(), store_id=store_id)
    _insert(conn, stored)
    return stored


def guest_send_job(guest_id: str, client_msg_id: str, text: str) -> Callable[[Connection],
                                                                             StoredMessage]:
    """A write job: a guest's message to its open conversation (DuplicateMessage if repeated).

    SQLite: three statements — take the open conversation's next seq, insert (a
    repeated client_msg_id inserts nothing and raises, and the job's savepoint gives
    the seq back), note the guest's last contact. PostgreSQL: the same as one
    statement whose seq is taken only if the client_msg_id is new.
    """

    def job(conn: Connection) -> StoredMessage:
        now = utcnow()
        message_id = new_id()
        if conn.dialect.name == "postgresql":
            row = _run_pg_send(conn, _GUEST_SEND_PG, {
                "b_guest_id": guest_id, "b_now": now, "m_id": message_id,
                "m_client_msg_id": client_msg_id, "m_text": text, "m_created_at": now,
                **message_hook_params(message_id, now)},
                lambda: _guest_repeat(conn, guest_id, client_msg_id))
            conv = row[:5] if row else None
        else:
            conv = _BUMP_GUEST_CONVERSATION.first(conn, {"b_guest_id": guest_id})
        if conv is None:
            raise (_guest_repeat(conn, guest_id, client_msg_id)
                   or ChatsError("not_found", "error.no_conversation"))
        conversation_id, store_id, staff_id, status, seq = conv
        assigned = staff_id if status == ConversationStatus.ACTIVE else None
        stored = StoredMessage(message_id, conversation_id, int(seq), client_msg_id, text,
                               "guest", "text", None, None, None, now, guest_id=guest_id,
                               assigned_staff_id=assigned,
                               store_id=store_id)
        if conn.dialect.name != "postgresql":
            _insert(conn, stored)
            _GUEST_CONTACT.rows(conn, {"b_id": guest_id, "b_now": now})
            message_hooks_sqlite(conn, store_id, message_id, now)
        return stored

    return job


def _guest_repeat(conn: Connection, guest_id: str, client_msg_id: str) -> Exception | None:
    """The ack of a guest message sent before with this client_msg_id, if any."""
    previous = conn.execute(
        select(_M.c.id, _M.c.conversation_id, _M.c.seq, _M.c.client_msg_id, _M.c.text)
        .join(_C, _C.c.id == _M.c.conversation_id)
        .where(_C.c.guest_id == guest_id, _M.c.author == "guest",
               _M.c.client_msg_id == client_msg_id)
    ).first()
    return DuplicateMessage(StoredMessage(*previous)) if previous is not None else None


def staff_send_job(*, staff_id: str, store_id: str, conversation_id: str,
                   client_msg_id: str | None, kind: str, text: str, stamp: str | None,
                   upload_id: str | None = None) -> Callable[[Connection], StoredMessage]:
    """A write job: the assigned staff member's message (forbidden for anyone else).

    Two statements on SQLite, one on PostgreSQL: take the next seq (and the first
    response time) only if this staff member is the active assignee (and, on
    PostgreSQL, the client_msg_id is new), then insert. Otherwise the refusal is
    worked out: a repeat of an earlier message is acked, else not_found or forbidden.
    """

    def refusal(conn: Connection) -> Exception:
        return _staff_refusal(conn, staff_id=staff_id, store_id=store_id,
                              conversation_id=conversation_id, client_msg_id=client_msg_id)

    def job(conn: Connection) -> StoredMessage:
        now = utcnow()
        message_id = new_id()
        bump = {"b_id": conversation_id, "b_store_id": store_id, "b_staff_id": staff_id,
                "b_now": now}
        pg = conn.dialect.name == "postgresql"
        if pg:
            row = _run_pg_send(conn, _STAFF_SEND_PG, {
                **bump, "m_id": message_id, "m_staff_id": staff_id,
                "m_client_msg_id": client_msg_id, "m_kind": kind, "m_text": text,
                "m_stamp": stamp, "m_upload_id": upload_id, "m_created_at": now,
                **message_hook_params(message_id, now)},
                lambda: _staff_repeat(conn, conversation_id, client_msg_id))
        else:
            row = _BUMP_ASSIGNED_CONVERSATION.first(conn, bump)
        if row is None:
            raise refusal(conn)
        stored = StoredMessage(message_id, conversation_id, int(row[1]), client_msg_id, text,
                               "staff", kind, stamp, staff_id, upload_id, now,
                               guest_id=row[0], assigned_staff_id=staff_id, store_id=store_id)
        if not pg:
            _insert(conn, stored)
            message_hooks_sqlite(conn, store_id, message_id, now)
        return stored

    return job


def _staff_repeat(conn: Connection, conversation_id: str,
                  client_msg_id: str | None) -> Exception | None:
    """The ack of a staff message sent before with this client_msg_id, if any."""
    existing = _existing(conn, conversation_id, "staff", client_msg_id)
    return DuplicateMessage(existing) if existing is not None else None


def _staff_refusal(conn: Connection, *, staff_id: str, store_id: str, conversation_id: str,
                   client_msg_id: str | None) -> Exception:
    """Why a staff member may not send to a conversation (or the ack of a repeat)."""
    conv = conn.execute(
        select(_C.c.store_id).where(_C.c.id == conversation_id)).first()
    if conv is None or conv.store_id != store_id:
        return ChatsError("not_found")
    existing = _existing(conn, conversation_id, "staff", client_msg_id)
    if existing is not None:
        return DuplicateMessage(existing)
    return ChatsError("forbidden", "error.not_assigned")


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
    """Run a send job; a racing duplicate (unique violation) is retried and becomes an ack.

    Once stored, the webhook deliverer is nudged (its `message.created` rows are due).
    """
    try:
        stored = await writer.run(job, one_statement=True)
    except IntegrityError:
        stored = await writer.run(job, one_statement=True)
    queued(stored.store_id)
    return stored


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
