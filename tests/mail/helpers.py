"""Test data for mail tests: a guest with a conversation, staff who want mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import Conversation, Guest, MailOutbox, Staff, Store
from chats.ids import new_id, token_hash
from chats.mail.outbox import queue_left_message_notifications, queue_unread_notification
from tests.factories import create_staff


@dataclass
class GuestInfo:
    guest_id: str
    conversation_id: str


async def add_guest(db: Database, *, store_id: str, email: str | None = "guest@example.com",
                    locale: str | None = None, nickname: str | None = "花子") -> GuestInfo:
    """A guest with a profile e-mail and one conversation (rows written directly: the
    guest actions belong to the real-time core and are not what these tests exercise)."""
    async with db.write() as session:
        guest = Guest(store_id=store_id, token_hash=token_hash(new_id()), nickname=nickname,
                      locale=locale, profile={"email": email} if email is not None else {})
        session.add(guest)
        await session.flush()
        conversation = Conversation(store_id=store_id, guest_id=guest.id, kind="offline",
                                    status="ended", nickname=nickname)
        session.add(conversation)
        await session.commit()
        return GuestInfo(guest.id, conversation.id)


async def add_notified_staff(db: Database, *, store_id: str, email: str | None,
                             locale: str | None = None, notify: bool = True,
                             active: bool = True, name: str | None = None) -> str:
    """A staff member with the given e-mail and left-message preference."""
    staff_id = await create_staff(db, store_id=store_id, name=name)
    async with db.write() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        staff.email, staff.locale = email, locale
        staff.notify_left_messages, staff.active = notify, active
        await session.commit()
    return staff_id


async def set_store_locale(db: Database, store_id: str, locale: str) -> None:
    """Change the store's default language."""
    async with db.write() as session:
        store = await session.get(Store, store_id)
        assert store is not None
        store.locale = locale
        await session.commit()


async def outbox_rows(db: Database) -> list[MailOutbox]:
    """Every outbox row, oldest first."""
    async with db.read() as session:
        return list(await session.scalars(select(MailOutbox).order_by(MailOutbox.created_at)))


async def outbox_count(db: Database) -> int:
    """How many rows the outbox holds."""
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(MailOutbox)) or 0)


async def notify_unread(db: Database, settings: Settings, *, store_id: str, guest: GuestInfo,
                        message_id: str | None = None) -> MailOutbox | None:
    """Queue M2 for the guest in its own transaction, as an offline reply would."""
    async with db.write() as session:
        store = await session.get(Store, store_id)
        row = await session.get(Guest, guest.guest_id)
        assert store is not None and row is not None
        mail = await queue_unread_notification(
            session, settings=settings, store=store, guest=row,
            conversation_id=guest.conversation_id, message_id=message_id or new_id(),
        )
        await session.commit()
        return mail


async def notify_left(db: Database, settings: Settings, *, store_id: str, conversation_id: str,
                      nickname: str, text: str) -> list[MailOutbox]:
    """Queue G6 for the store's opted-in staff in its own transaction."""
    async with db.write() as session:
        store = await session.get(Store, store_id)
        assert store is not None
        mails = await queue_left_message_notifications(
            session, settings=settings, store=store, conversation_id=conversation_id,
            nickname=nickname, text=text,
        )
        await session.commit()
        return mails
