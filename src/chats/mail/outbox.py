"""Queue e-mail in the caller's transaction: validated, deduplicated, rate-limited (P3).

`queue_mail` is the one way in; `queue_unread_notification` (M2) and
`queue_left_message_notifications` (G6) are what the services call.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from chats.db.models import MailOutbox, Staff
from chats.domain.mail import MailStatus
from chats.domain.staff import StaffRole
from chats.ids import new_id, utcnow
from chats.mail.addresses import check_subject, is_valid_address, validate_address
from chats.mail.content import left_message_mail, unread_mail, webhook_disabled_mail
from chats.mail.render import render_html, render_text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings
    from chats.db.models import Guest, Store

log = logging.getLogger(__name__)

GUEST_MAILS_PER_HOUR = 5
"""At most this many mails to one address per store and hour (the guest limit)."""
STAFF_MAILS_PER_HOUR = 30
"""The same limit for staff notifications, which a busy store legitimately sends more of."""
STORE_MAILS_PER_HOUR = 300
"""At most this many mails per store and hour, whoever they go to."""
LIMIT_WINDOW = timedelta(hours=1)


def message_host(public_url: str) -> str:
    """The domain part of our Message-IDs: the host of the public URL."""
    return urlsplit(public_url).hostname or "localhost"


async def _exists(session: AsyncSession, dedupe_key: str) -> bool:
    found = await session.scalar(select(MailOutbox.id).where(MailOutbox.dedupe_key == dedupe_key))
    return found is not None


async def _count_since(session: AsyncSession, store_id: str, address: str | None) -> int:
    query = select(func.count()).select_from(MailOutbox).where(
        MailOutbox.store_id == store_id, MailOutbox.created_at >= utcnow() - LIMIT_WINDOW
    )
    if address is not None:
        query = query.where(func.lower(MailOutbox.to_addr) == address.lower())
    return int(await session.scalar(query) or 0)


async def over_limit(
    session: AsyncSession, *, store_id: str, address: str, recipient_limit: int, store_limit: int
) -> bool:
    """True when the store or the recipient has had its share of mail this hour."""
    if await _count_since(session, store_id, address) >= recipient_limit:
        return True
    return await _count_since(session, store_id, None) >= store_limit


async def _insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING; True when the row went in."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(MailOutbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[MailOutbox.dedupe_key])
        .returning(MailOutbox.id)
    )
    # A concurrent duplicate leaves the caller's transaction intact (no IntegrityError).
    return (await session.scalar(stmt)) is not None


async def queue_mail(
    session: AsyncSession,
    *,
    store_id: str,
    dedupe_key: str,
    to_addr: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    mail_host: str = "localhost",
    recipient_limit: int = GUEST_MAILS_PER_HOUR,
    store_limit: int = STORE_MAILS_PER_HOUR,
) -> MailOutbox | None:
    """Queue one mail; None when `dedupe_key` was already queued or a limit is reached."""
    address = validate_address(to_addr)
    subject = check_subject(subject)
    if await _exists(session, dedupe_key):
        return None
    limited = await over_limit(
        session, store_id=store_id, address=address,
        recipient_limit=recipient_limit, store_limit=store_limit,
    )
    if limited:
        log.warning("mail not queued: sending limit", extra={"store_id": store_id,
                                                            "dedupe_key": dedupe_key})
        return None
    mail_id = new_id()
    now = utcnow()
    values = {
        "id": mail_id, "store_id": store_id, "dedupe_key": dedupe_key, "to_addr": address,
        "subject": subject, "body_text": body_text, "body_html": body_html,
        "message_id": f"<{mail_id}@{mail_host}>", "status": MailStatus.PENDING, "attempts": 0,
        "next_attempt_at": now, "created_at": now,
    }
    if not await _insert_once(session, values):
        return None
    return await session.get(MailOutbox, mail_id)


async def queue_unread_notification(
    session: AsyncSession,
    *,
    settings: Settings,
    store: Store,
    guest: Guest,
    conversation_id: str,
    message_id: str,
    to_addr: str | None = None,
) -> MailOutbox | None:
    """M2: mail the guest that the store's reply is waiting; None without a valid address.

    The address is `to_addr` when given, else the guest's `profile["email"]`.
    """
    address = to_addr if to_addr is not None else (guest.profile or {}).get("email")
    if not isinstance(address, str) or not is_valid_address(address):
        return None
    parts = unread_mail(settings, store, guest, conversation_id)
    return await queue_mail(
        session, store_id=store.id, dedupe_key=f"unread:{message_id}", to_addr=address,
        subject=parts.title, body_text=render_text(parts), body_html=render_html(parts),
        mail_host=message_host(settings.public_url),
    )


async def _notified_staff(session: AsyncSession, store_id: str) -> list[Staff]:
    rows = await session.scalars(
        select(Staff)
        .where(Staff.store_id == store_id, Staff.active.is_(True),
               Staff.notify_left_messages.is_(True), Staff.email.is_not(None))
        .order_by(Staff.id)
    )
    return [s for s in rows if is_valid_address(s.email)]


async def queue_left_message_notifications(
    session: AsyncSession,
    *,
    settings: Settings,
    store: Store,
    conversation_id: str,
    nickname: str,
    text: str,
) -> list[MailOutbox]:
    """G6: mail each opted-in staff member about a message left while nobody was available."""
    queued: list[MailOutbox] = []
    for staff in await _notified_staff(session, store.id):
        parts = left_message_mail(settings, store, staff, nickname=nickname, text=text)
        mail = await queue_mail(
            session, store_id=store.id, dedupe_key=f"left:{conversation_id}:{staff.id}",
            to_addr=str(staff.email), subject=parts.title, body_text=render_text(parts),
            body_html=render_html(parts), mail_host=message_host(settings.public_url),
            recipient_limit=STAFF_MAILS_PER_HOUR,
        )
        if mail is not None:
            queued.append(mail)
    return queued


async def queue_webhook_disabled_notifications(
    session: AsyncSession, *, settings: Settings, store: Store, webhook_id: str, url: str,
    disabled_at: str,
) -> int:
    """Issue 17: mail each active admin with an address that an endpoint was switched off."""
    admins = await session.scalars(
        select(Staff).where(Staff.store_id == store.id, Staff.active.is_(True),
                            Staff.role == StaffRole.ADMIN, Staff.email.is_not(None))
        .order_by(Staff.id))
    queued = 0
    for staff in admins:
        if not is_valid_address(staff.email):
            continue
        parts = webhook_disabled_mail(settings, store, staff, url=url)
        mail = await queue_mail(
            session, store_id=store.id,
            dedupe_key=f"webhook-off:{webhook_id}:{disabled_at}:{staff.id}",
            to_addr=str(staff.email), subject=parts.title, body_text=render_text(parts),
            body_html=render_html(parts), mail_host=message_host(settings.public_url),
            recipient_limit=STAFF_MAILS_PER_HOUR,
        )
        queued += mail is not None
    return queued
