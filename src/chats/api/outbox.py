"""The admin's view of the mail outbox, and the guest panel's mail-link check (issue 7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from chats.api.deps import Ctx, CurrentAdmin, Who
from chats.api.schemas import StrictBody
from chats.db.models import MailOutbox
from chats.domain.mail import MailStatus
from chats.errors import ChatsError
from chats.ids import iso
from chats.mail.links import MAX_TOKEN, verify_mail_link
from chats.services import outbox as outbox_service

router = APIRouter(prefix="/api/outbox", tags=["outbox"])
mail_link_router = APIRouter(prefix="/api/widget", tags=["widget"])


class MailOut(BaseModel):
    id: str
    kind: str
    to_addr: str
    subject: str
    status: MailStatus
    attempts: int
    last_error: str | None
    message_id: str
    created_at: str
    next_attempt_at: str | None
    sent_at: str | None


class MailList(BaseModel):
    mails: list[MailOut]
    page: int
    has_more: bool


class MailLinkIn(StrictBody):
    token: str = Field(min_length=1, max_length=MAX_TOKEN)


class MailLinkOut(BaseModel):
    guest_id: str
    conversation_id: str


def mail_out(mail: MailOutbox) -> MailOut:
    """The admin's view of one outbox row (no bodies)."""
    return MailOut(
        id=mail.id,
        kind=mail.dedupe_key.split(":", 1)[0],
        to_addr=mail.to_addr,
        subject=mail.subject,
        status=mail.status,
        attempts=mail.attempts,
        last_error=mail.last_error,
        message_id=mail.message_id,
        created_at=iso(mail.created_at),
        next_attempt_at=iso(mail.next_attempt_at) if mail.status == MailStatus.PENDING else None,
        sent_at=iso(mail.sent_at) if mail.sent_at else None,
    )


@router.get("", response_model=MailList)
async def list_mails(
    auth: CurrentAdmin,
    ctx: Ctx,
    status: Annotated[list[MailStatus] | None, Query()] = None,
    page: int = Query(default=1, ge=1, le=10_000),
) -> MailList:
    """The store's outbox, newest first; `status` (repeatable) keeps those only."""
    async with ctx.db.read() as session:
        rows, has_more = await outbox_service.list_mails(session, auth.store.id, status=status,
                                                         page=page)
    return MailList(mails=[mail_out(m) for m in rows], page=page, has_more=has_more)


@router.post("/{mail_id}/retry", response_model=MailOut)
async def retry_mail(mail_id: str, auth: CurrentAdmin, who: Who, ctx: Ctx) -> MailOut:
    """Send a failed mail again now, with a fresh set of attempts."""
    async with ctx.unit_of_work() as uow:
        mail = await outbox_service.retry_mail(uow.session, who, auth.store.id, mail_id)
    ctx.wake_mail()
    return mail_out(mail)


@router.post("/{mail_id}/discard", response_model=MailOut)
async def discard_mail(mail_id: str, auth: CurrentAdmin, who: Who, ctx: Ctx) -> MailOut:
    """Give up a pending or failed mail: it is not sent and leaves the list."""
    async with ctx.unit_of_work() as uow:
        mail = await outbox_service.discard_mail(uow.session, who, auth.store.id, mail_id)
    return mail_out(mail)


@mail_link_router.post("/{key}/mail-link", response_model=MailLinkOut)
async def open_mail_link(key: str, body: MailLinkIn, ctx: Ctx) -> MailLinkOut:
    """The guest and conversation a notification link opens; 404 unless it all matches."""
    found = verify_mail_link(ctx.settings.secret_key, body.token)
    if found is None:
        raise ChatsError("not_found")
    guest_id, conversation_id = found
    async with ctx.db.read() as session:
        matches = await outbox_service.mail_link_matches(session, key, guest_id, conversation_id)
    if not matches:
        raise ChatsError("not_found")
    return MailLinkOut(guest_id=guest_id, conversation_id=conversation_id)
