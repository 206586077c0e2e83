"""Conversation actions: start, claim, send, read, transfer, end, leave a message, blacklist.

Each action validates, writes through the unit of work, and queues the frames its
change causes; they are published only after the commit (see AppContext).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from chats.db.models import Conversation, DailyStat, Guest, Message, Staff, Store, StoreField
from chats.domain import calendar
from chats.domain.audit import AuditAction
from chats.domain.availability import MAX_CHATS_LIMIT
from chats.domain.conversation import (
    OPEN_STATUSES,
    ConversationEvent,
    ConversationKind,
    ConversationStatus,
    EndReason,
    InvalidTransition,
    end_reason,
    transition,
)
from chats.domain.text import TextEmpty, TextTooLong, normalise_message_text
from chats.domain.webhooks import WebhookEvent
from chats.errors import ChatsError
from chats.events.audience import (
    conversation_audience,
    guest_channel,
    staff_channel,
    store_staff_channel,
    watchers_channel,
)
from chats.i18n import translate
from chats.ids import iso, utcnow
from chats.services import audit, business_hours, webhooks
from chats.services import messages as message_service
from chats.services.guests import entry_values, merge_profile

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.events.unit_of_work import UnitOfWork

def clean_text(text: str) -> str:
    """Trimmed message text, or too_large / bad_frame."""
    try:
        return normalise_message_text(text)
    except TextTooLong as exc:
        raise ChatsError("too_large", limit="4000") from exc
    except TextEmpty as exc:
        raise ChatsError("bad_frame", "error.empty_text") from exc


def guest_conversation_frame(
    conversation: Conversation, *, staff_name: str | None, queue_position: int | None = None
) -> dict[str, Any]:
    """The `conversation` frame a guest receives."""
    frame: dict[str, Any] = {
        "type": "conversation",
        "id": conversation.id,
        "status": conversation.status,
        "staff": {"name": staff_name} if staff_name else None,
        "_staff_id": (
            conversation.staff_id if conversation.status == ConversationStatus.ACTIVE else None
        ),
    }
    if queue_position is not None:
        frame["queue_position"] = queue_position
    if conversation.rating is not None:
        # Issue 19: a panel opened again does not offer the rating a second time.
        frame["rating"] = rating_json(conversation)
    return frame


def rating_json(conversation: Conversation) -> dict[str, Any] | None:
    """A conversation's satisfaction rating (issue 19) as frames and the API show it."""
    if conversation.rating is None:
        return None
    return {"score": conversation.rating, "comment": conversation.rating_comment,
            "rated_at": iso(conversation.rated_at) if conversation.rated_at else None}


def staff_conversation_frame(conversation: Conversation, nickname: str | None) -> dict[str, Any]:
    """The `conversation` frame a staff member receives."""
    return {
        "type": "conversation",
        "id": conversation.id,
        "status": conversation.status,
        "staff_id": conversation.staff_id,
        "guest": {"id": conversation.guest_id, "nickname": nickname or conversation.nickname},
        "kind": conversation.kind,
        "last_seq": conversation.last_seq,
        "staff_read_seq": conversation.staff_read_seq,
        "guest_read_seq": conversation.guest_read_seq,
        "rating": rating_json(conversation),
    }


async def open_conversation(session: AsyncSession, guest_id: str) -> Conversation | None:
    """The guest's waiting or active conversation, if any."""
    return await session.scalar(
        select(Conversation)
        .where(Conversation.guest_id == guest_id, Conversation.status.in_(OPEN_STATUSES))
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )


async def conversation_with_unread(session: AsyncSession, guest_id: str) -> Conversation | None:
    """The latest conversation holding staff messages the guest has not read (G7)."""
    return await session.scalar(
        select(Conversation)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(
            Conversation.guest_id == guest_id,
            Message.author == "staff",
            Message.seq > Conversation.guest_read_seq,
        )
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )


async def guest_owns(session: AsyncSession, conversation_id: str, guest_id: str) -> bool:
    """Whether the conversation is this guest's (a guest belongs to one store)."""
    owner = await session.scalar(
        select(Conversation.guest_id).where(Conversation.id == conversation_id))
    return owner is not None and owner == guest_id


async def get_for_store(session: AsyncSession, conversation_id: str, store_id: str) -> Conversation:
    """A conversation of this store, or not_found (never another store's)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.store_id != store_id:
        raise ChatsError("not_found")
    return conversation


async def _hook(uow: UnitOfWork, conversation: Conversation, event: WebhookEvent,
                **extra: Any) -> None:
    """Queue the webhook deliveries of a conversation event, in this transaction."""
    data = webhooks.conversation_data(conversation)
    data["conversation"] |= extra
    await webhooks.queue(uow.session, store_id=conversation.store_id, event=event,
                         subject_id=conversation.id, data=data)


def _apply(conversation: Conversation, event: ConversationEvent) -> None:
    try:
        conversation.status = transition(conversation.status, event)
    except InvalidTransition as exc:
        code = "already_taken" if event is ConversationEvent.CLAIM else "conflict"
        raise ChatsError(code, None if code == "already_taken" else "error.conversation_ended") \
            from exc


async def bump_daily(session: AsyncSession, store_id: str, column: str) -> None:
    """Add one to today's form_shown / form_executed counter (A5), safe under concurrency."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = DailyStat.__table__
    zone = await session.scalar(select(Store.time_zone).where(Store.id == store_id))
    day = calendar.local_date(utcnow(), zone or "UTC")  # the store's own calendar day
    statement = insert(DailyStat).values(store_id=store_id, day=day, **{column: 1})
    await session.execute(statement.on_conflict_do_update(
        index_elements=["store_id", "day"],
        set_={column: getattr(table.c, column) + 1},
    ))


async def system_message(
    uow: UnitOfWork, conversation: Conversation, key: str, locale: str, **params: object
) -> Message:
    """A system line in the timeline (claimed, transferred, ended)."""
    message = await message_service.insert_message(
        uow.session, conversation, author="system", kind="system",
        text=translate(key, locale, **params),
    )
    frame = message_service.message_frame(message)
    message_service.publish_message(uow, frame, conversation_audience(conversation))
    return message


async def start(
    uow: UnitOfWork, *, guest: Guest, nickname: str, fields: dict[str, str] | None,
    allowed_fields: list[StoreField],
) -> Conversation:
    """G2: open a waiting conversation (the caller has checked availability).

    The entry form's values are cleaned as staff values are; one that cannot be read
    refuses the start before anything is changed.
    """
    existing = await open_conversation(uow.session, guest.id)
    if existing is not None:
        return existing
    values = entry_values(allowed_fields, fields or {})
    guest.nickname = nickname.strip()[:100]
    merge_profile(guest, values, set(values))
    guest.last_contact_at = utcnow()
    conversation = Conversation(
        store_id=guest.store_id, guest_id=guest.id, nickname=guest.nickname,
        status=ConversationStatus.WAITING, kind=ConversationKind.CHAT, created_at=utcnow(),
    )
    uow.session.add(conversation)
    await uow.session.flush()
    await _hook(uow, conversation, WebhookEvent.CONVERSATION_CREATED)
    uow.publish(guest_channel(guest.id),
                guest_conversation_frame(conversation, staff_name=None))
    return conversation


async def _lock_staff(session: AsyncSession, staff_id: str) -> Staff:
    """The staff row, locked until commit on PostgreSQL (claims of one staff serialise)."""
    staff = await session.scalar(
        select(Staff).where(Staff.id == staff_id).with_for_update()
    )
    if staff is None or not staff.active:
        raise ChatsError("not_found")
    return staff


async def _active_count(session: AsyncSession, staff_id: str) -> int:
    n = await session.scalar(
        select(func.count()).select_from(Conversation).where(
            Conversation.staff_id == staff_id, Conversation.status == ConversationStatus.ACTIVE
        )
    )
    return int(n or 0)


async def _ensure_capacity(session: AsyncSession, staff: Staff) -> None:
    limit = min(staff.max_chats, MAX_CHATS_LIMIT)
    if await _active_count(session, staff.id) >= limit:
        raise ChatsError("capacity_full")


async def _announce_assignment(
    uow: UnitOfWork, conversation: Conversation, staff: Staff, nickname: str | None
) -> None:
    """The new assignee gets the conversation and, after it, the messages so far."""
    frame = staff_conversation_frame(conversation, nickname)
    frame["_sync"] = True
    uow.publish(staff_channel(staff.id), frame)
    uow.publish(guest_channel(conversation.guest_id),
                guest_conversation_frame(conversation, staff_name=staff.name))


async def claim(uow: UnitOfWork, *, staff_id: str, store_id: str, conversation_id: str,
                locale: str) -> Conversation:
    """S6: take a waiting guest; exactly one of several racing staff wins."""
    session = uow.session
    staff = await _lock_staff(session, staff_id)
    conversation = await get_for_store(session, conversation_id, store_id)
    if conversation.status != ConversationStatus.WAITING:
        raise ChatsError("already_taken")
    await _ensure_capacity(session, staff)
    now = utcnow()
    won = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id,
               Conversation.status == ConversationStatus.WAITING)
        .values(status=ConversationStatus.ACTIVE, staff_id=staff.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(won, "rowcount", 0) != 1:
        raise ChatsError("already_taken")
    first_claim = conversation.claimed_at is None
    await session.refresh(conversation)
    if first_claim:  # a chat returned to the queue and taken again counts once (A5)
        await bump_daily(session, store_id, "forms_executed")
    await _announce_assignment(uow, conversation, staff, conversation.nickname)
    await system_message(uow, conversation, "system.claimed", locale, name=staff.name)
    await _hook(uow, conversation, WebhookEvent.CONVERSATION_CLAIMED)
    return conversation


async def transfer(uow: UnitOfWork, *, staff_id: str, store_id: str, conversation_id: str,
                   to_staff_id: str, online_ids: set[str], locale: str) -> Conversation:
    """S5.2: hand an active conversation to another logged-in staff member with room."""
    session = uow.session
    conversation = await get_for_store(session, conversation_id, store_id)
    if conversation.staff_id != staff_id or conversation.status != ConversationStatus.ACTIVE:
        raise ChatsError("forbidden", "error.not_assigned")
    if to_staff_id == staff_id:
        raise ChatsError("conflict", "error.same_staff")
    target = await session.get(Staff, to_staff_id)
    if target is None or target.store_id != store_id or not target.active:
        raise ChatsError("not_found")
    if to_staff_id not in online_ids:
        raise ChatsError("unavailable", "error.not_online")
    target = await _lock_staff(session, to_staff_id)
    await _ensure_capacity(session, target)
    source = await session.get(Staff, staff_id)
    _apply(conversation, ConversationEvent.TRANSFER)
    conversation.staff_id = target.id
    await session.flush()
    released = staff_conversation_frame(conversation, conversation.nickname)
    uow.publish(staff_channel(staff_id), released)
    await _announce_assignment(uow, conversation, target, conversation.nickname)
    await system_message(uow, conversation, "system.transferred", locale,
                         from_name=source.name if source else "", to_name=target.name)
    await _hook(uow, conversation, WebhookEvent.CONVERSATION_TRANSFERRED,
                from_staff_id=staff_id)
    return conversation


async def release(uow: UnitOfWork, conversation: Conversation, locale: str) -> None:
    """Send an active conversation back to the queue, history kept, with a line for both sides.

    The line goes out while the conversation is still assigned, so the former
    assignee's timeline shows it too; then both sides get the new state.
    """
    former = conversation.staff_id
    await system_message(uow, conversation, "system.released", locale)
    _apply(conversation, ConversationEvent.RELEASE)
    conversation.staff_id = None
    await uow.session.flush()
    uow.publish(guest_channel(conversation.guest_id),
                guest_conversation_frame(conversation, staff_name=None))
    if former:
        uow.publish(staff_channel(former),
                    staff_conversation_frame(conversation, conversation.nickname))


async def release_all(uow: UnitOfWork, *, staff_id: str, locale: str) -> int:
    """Every active conversation of a staff member back to the queue; how many there were."""
    rows = list(await uow.session.scalars(
        select(Conversation)
        .where(Conversation.staff_id == staff_id, Conversation.status == ConversationStatus.ACTIVE)
        .order_by(Conversation.claimed_at)
        .with_for_update()
    ))
    for conversation in rows:
        await release(uow, conversation, locale)
    return len(rows)


async def held_by(session: AsyncSession, staff_id: str) -> list[Conversation]:
    """The active conversations a staff member holds, in the order claimed."""
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.staff_id == staff_id, Conversation.status == ConversationStatus.ACTIVE)
        .order_by(Conversation.claimed_at))
    return list(rows)


async def in_store(session: AsyncSession, store_id: str,
                   conversation_ids: list[str]) -> list[Conversation]:
    """Those of the given conversations that belong to the store (at most 100 looked at)."""
    if not conversation_ids:
        return []
    rows = await session.scalars(select(Conversation).where(
        Conversation.id.in_(conversation_ids[:100]), Conversation.store_id == store_id))
    return list(rows)


async def absent_assignees(session: AsyncSession, store_id: str, online: set[str]) -> set[str]:
    """Staff members of the store holding active chats who are not online."""
    rows = await session.scalars(
        select(Conversation.staff_id).distinct()
        .where(Conversation.store_id == store_id, Conversation.status == ConversationStatus.ACTIVE,
               Conversation.staff_id.is_not(None)))
    return {str(staff_id) for staff_id in rows if staff_id not in online}


async def release_absent(uow: UnitOfWork, *, store_id: str, staff_ids: set[str]) -> int:
    """Return the chats of staff members who stayed offline to the queue; how many moved.

    Several processes may decide this at once: each conversation row is locked and
    re-read, so a chat returns once.
    """
    store = await uow.session.get(Store, store_id)
    locale = store.locale if store is not None else "ja"
    moved = 0
    for staff_id in sorted(staff_ids):
        moved += await release_all(uow, staff_id=staff_id, locale=locale)
    return moved


async def finish(uow: UnitOfWork, conversation: Conversation, event: ConversationEvent,
                 locale: str) -> None:
    """End a conversation (staff, guest or blacklist), with a system line for everyone."""
    reason = end_reason(conversation.status, event)
    _apply(conversation, event)
    conversation.end_reason = reason
    conversation.ended_at = utcnow()
    await uow.session.flush()
    key = "system.guest_left" if event is ConversationEvent.GUEST_LEFT else "system.ended"
    await system_message(uow, conversation, key, locale)
    await _hook(uow, conversation, WebhookEvent.CONVERSATION_ENDED)
    frame = guest_conversation_frame(conversation, staff_name=None)
    uow.publish(guest_channel(conversation.guest_id), frame)
    if conversation.staff_id:
        uow.publish(staff_channel(conversation.staff_id),
                    staff_conversation_frame(conversation, conversation.nickname))


async def end_by_staff(uow: UnitOfWork, *, staff_id: str, store_id: str, conversation_id: str,
                       locale: str) -> Conversation:
    """S5.4: end the chat and return to waiting."""
    conversation = await get_for_store(uow.session, conversation_id, store_id)
    if conversation.staff_id != staff_id:
        raise ChatsError("forbidden", "error.not_assigned")
    await finish(uow, conversation, ConversationEvent.END, locale)
    return conversation


async def end_by_guest(uow: UnitOfWork, *, guest: Guest, locale: str) -> Conversation | None:
    """The guest closes the chat (a waiting one counts as missed)."""
    conversation = await open_conversation(uow.session, guest.id)
    if conversation is not None:
        await finish(uow, conversation, ConversationEvent.GUEST_LEFT, locale)
    return conversation


def message_events(stored: message_service.StoredMessage,
                   staff_name: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The frames a stored message causes: to its guest, its assigned staff member and the
    admins following it."""
    frame = message_service.message_frame(stored, staff_name=staff_name)
    channels = [guest_channel(stored.guest_id)]
    if stored.assigned_staff_id:
        channels.append(staff_channel(stored.assigned_staff_id))
    channels.append(watchers_channel(stored.conversation_id))
    return [(channel, frame) for channel in channels]


async def post_guest_message(uow: UnitOfWork, *, guest: Guest, client_msg_id: str,
                             text: str) -> message_service.StoredMessage:
    """A guest's message to its open conversation (DuplicateMessage when repeated)."""
    job = message_service.guest_send_job(guest.id, client_msg_id, clean_text(text))
    stored: message_service.StoredMessage = await uow.session.run_sync(
        lambda s: job(s.connection()))
    uow.events.extend(message_events(stored))
    webhooks.queued(stored.store_id)
    return stored


async def post_staff_message(
    uow: UnitOfWork, *, staff: Staff, conversation_id: str, client_msg_id: str | None,
    kind: str = "text", text: str | None = None, stamp: str | None = None,
    upload_id: str | None = None,
) -> message_service.StoredMessage:
    """A staff member's message; only the assigned staff member may send."""
    job = staff_message_job(staff_id=staff.id, store_id=staff.store_id,
                            conversation_id=conversation_id, client_msg_id=client_msg_id,
                            kind=kind, text=text, stamp=stamp, upload_id=upload_id)
    stored: message_service.StoredMessage = await uow.session.run_sync(
        lambda s: job(s.connection()))
    frames = await message_service.frames_for(uow.session, [stored])
    for channel, _frame in message_events(stored):
        uow.publish(channel, frames[0])
    webhooks.queued(stored.store_id)
    return stored


def staff_message_job(*, staff_id: str, store_id: str, conversation_id: str,
                      client_msg_id: str | None, kind: str, text: str | None,
                      stamp: str | None, upload_id: str | None = None
                      ) -> Callable[[Connection], message_service.StoredMessage]:
    """Validate a staff message's content, then build its write job."""
    if kind == "stamp" and not stamp:
        raise ChatsError("bad_frame")
    body = clean_text(text or "") if kind == "text" else (text or "")
    return message_service.staff_send_job(
        staff_id=staff_id, store_id=store_id, conversation_id=conversation_id,
        client_msg_id=client_msg_id, kind=kind, text=body, stamp=stamp, upload_id=upload_id)


async def mark_read(uow: UnitOfWork, *, conversation: Conversation, reader: str,
                    seq: int) -> bool:
    """Move a read cursor forward (never back); tells the other side. False: nothing new."""
    seq = min(seq, conversation.last_seq)
    column = "guest_read_seq" if reader == "guest" else "staff_read_seq"
    if seq <= getattr(conversation, column):
        return False
    setattr(conversation, column, seq)
    frame = {"type": "read", "conversation_id": conversation.id, "seq": seq}
    if reader == "guest" and conversation.staff_id:
        uow.publish(staff_channel(conversation.staff_id), frame)
    elif reader == "staff":
        uow.publish(guest_channel(conversation.guest_id), frame)
    return True


async def leave_message(uow: UnitOfWork, *, guest: Guest, client_msg_id: str, nickname: str,
                        email: str | None, text: str,
                        now: datetime | None = None) -> tuple[Conversation, Message]:
    """G6: a message for the staff, in a conversation of its own that is already ended.

    `now` (the app's clock) also decides whether it was left outside business hours.
    """
    session = uow.session
    previous = await session.scalar(
        select(Message).join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.guest_id == guest.id, Conversation.kind == ConversationKind.MESSAGE,
               Message.client_msg_id == client_msg_id, Message.author == "guest")
    )
    if previous is not None:
        raise message_service.DuplicateMessage(previous)
    body = clean_text(text)
    guest.nickname = nickname.strip()[:100] or guest.nickname
    if email:
        merge_profile(guest, {"email": email.strip()}, {"email"})
    now = now or utcnow()
    guest.last_contact_at = now
    conversation = Conversation(
        store_id=guest.store_id, guest_id=guest.id, nickname=guest.nickname,
        kind=ConversationKind.MESSAGE, status=ConversationStatus.ENDED,
        end_reason=EndReason.MESSAGE_LEFT, created_at=now, ended_at=now,
        out_of_hours=not (await business_hours.state_now(session, guest.store_id, now)).open,
    )
    session.add(conversation)
    await session.flush()
    message = await message_service.insert_message(
        session, conversation, author="guest", text=body, client_msg_id=client_msg_id,
    )
    data = {**webhooks.conversation_data(conversation),
            **webhooks.message_data(message, guest.id), "email": email.strip() if email else None}
    await webhooks.queue(session, store_id=conversation.store_id,
                         event=WebhookEvent.MESSAGE_LEFT_WHILE_AWAY, subject_id=message.id,
                         data=data)
    return conversation, message


async def set_blacklisted(uow: UnitOfWork, *, guest: Guest, blacklisted: bool,
                          locale: str, actor: audit.Actor) -> None:
    """S3.2/G5: blacklisting cuts an open chat off at once; the guest sees away from then on."""
    if guest.blacklisted == blacklisted:
        return
    guest.blacklisted = blacklisted
    audit.record(uow.session, actor,
                 AuditAction.GUEST_BLACKLISTED if blacklisted else AuditAction.GUEST_UNBLACKLISTED,
                 target_type="guest", target_id=guest.id, details={"nickname": guest.nickname})
    if blacklisted:
        await webhooks.queue(uow.session, store_id=guest.store_id,
                             event=WebhookEvent.GUEST_BLACKLISTED, subject_id=guest.id,
                             data=webhooks.guest_data(guest))
        conversation = await open_conversation(uow.session, guest.id)
        if conversation is not None:
            await finish(uow, conversation, ConversationEvent.BLACKLIST, locale)
        uow.publish(guest_channel(guest.id),
                    {"type": "availability", "status": "away", "_blacklisted": True})
    else:
        uow.publish(guest_channel(guest.id), {"type": "_unblacklisted"})
    uow.publish(store_staff_channel(guest.store_id), {"type": "guest_updated",
                                                      "guest_id": guest.id})
