"""The admin's actions on the mail outbox, and the check behind a notification link."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from chats.db.models import Conversation, Guest, MailOutbox, Store
from chats.domain.audit import AuditAction
from chats.domain.mail import OPEN_STATUSES, MailStatus
from chats.errors import ChatsError
from chats.ids import utcnow
from chats.services import audit

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.ext.asyncio import AsyncSession

PAGE_SIZE = 50


async def list_mails(session: AsyncSession, store_id: str, *,
                     status: Collection[MailStatus] | None, page: int
                     ) -> tuple[list[MailOutbox], bool]:
    """One page of the store's outbox, newest first, and whether another page follows.

    Without `status`, every mail but the discarded ones.
    """
    query = select(MailOutbox).where(MailOutbox.store_id == store_id)
    if status:
        query = query.where(MailOutbox.status.in_(sorted(status)))
    else:
        query = query.where(MailOutbox.status != MailStatus.DISCARDED)
    query = (
        query.order_by(MailOutbox.created_at.desc(), MailOutbox.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = list(await session.scalars(query))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def _own_mail(session: AsyncSession, store_id: str, mail_id: str) -> MailOutbox:
    """The store's mail, locked; another store's id answers exactly like a missing one."""
    mail = await session.get(MailOutbox, mail_id, with_for_update=True)
    if mail is None or mail.store_id != store_id:
        raise ChatsError("not_found")
    return mail


def _record(session: AsyncSession, actor: audit.Actor, action: AuditAction,
            mail: MailOutbox) -> None:
    audit.record(session, actor, action, target_type="mail", target_id=mail.id,
                 details={"to": mail.to_addr, "subject": mail.subject})


async def retry_mail(session: AsyncSession, actor: audit.Actor, store_id: str,
                     mail_id: str) -> MailOutbox:
    """A failed mail of the store goes out again now, with a fresh set of attempts; audited."""
    mail = await _own_mail(session, store_id, mail_id)
    if mail.status != MailStatus.FAILED:
        raise ChatsError("conflict")
    mail.status = MailStatus.PENDING
    mail.attempts = 0
    mail.next_attempt_at = utcnow()
    mail.locked_by = None
    mail.locked_until = None
    _record(session, actor, AuditAction.MAIL_RETRIED, mail)
    return mail


async def discard_mail(session: AsyncSession, actor: audit.Actor, store_id: str,
                       mail_id: str) -> MailOutbox:
    """A pending or failed mail of the store is given up: it leaves the list and is not sent.

    The row stays (status `discarded`) so its dedupe key and the sending limits still count
    it. Dropping the lease makes a sender that holds it now unable to write its outcome.
    Audited.
    """
    mail = await _own_mail(session, store_id, mail_id)
    if mail.status not in OPEN_STATUSES:
        raise ChatsError("conflict")
    mail.status = MailStatus.DISCARDED
    mail.locked_by = None
    mail.locked_until = None
    _record(session, actor, AuditAction.MAIL_DISCARDED, mail)
    return mail


async def mail_link_matches(session: AsyncSession, widget_key: str, guest_id: str,
                            conversation_id: str) -> bool:
    """Whether the guest and conversation a link names belong to the store of this widget."""
    match = await session.scalar(
        select(Conversation.id)
        .join(Guest, Guest.id == Conversation.guest_id)
        .join(Store, Store.id == Guest.store_id)
        .where(Store.widget_key == widget_key, Guest.id == guest_id,
               Conversation.id == conversation_id, Conversation.store_id == Store.id)
    )
    return match is not None
