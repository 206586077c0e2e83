"""The admin's view of the mail outbox, and the guest panel's mail-link check (issue 7)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from chats.api.deps import Ctx, CurrentAdmin
from chats.api.schemas import StrictBody
from chats.db.models import Conversation, Guest, MailOutbox, Store
from chats.errors import ChatsError
from chats.ids import iso, utcnow
from chats.mail.links import MAX_TOKEN, verify_mail_link
from chats.mail.sender import wake_sender

router = APIRouter(prefix="/api/outbox", tags=["outbox"])
mail_link_router = APIRouter(prefix="/api/widget", tags=["widget"])

PAGE_SIZE = 50
MailStatus = Literal["pending", "sent", "failed", "logged"]


class MailOut(BaseModel):
    id: str
    kind: str
    to_addr: str
    subject: str
    status: str
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
        next_attempt_at=iso(mail.next_attempt_at) if mail.status == "pending" else None,
        sent_at=iso(mail.sent_at) if mail.sent_at else None,
    )


@router.get("", response_model=MailList)
async def list_mails(
    auth: CurrentAdmin,
    ctx: Ctx,
    status: MailStatus | None = None,
    page: int = Query(default=1, ge=1, le=10_000),
) -> MailList:
    """The store's outbox, newest first, optionally one status only."""
    query = select(MailOutbox).where(MailOutbox.store_id == auth.store.id)
    if status is not None:
        query = query.where(MailOutbox.status == status)
    query = (
        query.order_by(MailOutbox.created_at.desc(), MailOutbox.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    async with ctx.db.read() as session:
        rows = list(await session.scalars(query))
    return MailList(
        mails=[mail_out(m) for m in rows[:PAGE_SIZE]], page=page, has_more=len(rows) > PAGE_SIZE
    )


@router.post("/{mail_id}/retry", response_model=MailOut)
async def retry_mail(mail_id: str, auth: CurrentAdmin, ctx: Ctx) -> MailOut:
    """Send a failed mail again now, with a fresh set of attempts."""
    async with ctx.unit_of_work() as uow:
        mail = await uow.session.get(MailOutbox, mail_id, with_for_update=True)
        if mail is None or mail.store_id != auth.store.id:
            raise ChatsError("not_found")
        if mail.status != "failed":
            raise ChatsError("conflict")
        mail.status = "pending"
        mail.attempts = 0
        mail.next_attempt_at = utcnow()
        mail.locked_by = None
        mail.locked_until = None
    wake_sender(ctx)
    return mail_out(mail)


@mail_link_router.post("/{key}/mail-link", response_model=MailLinkOut)
async def open_mail_link(key: str, body: MailLinkIn, ctx: Ctx) -> MailLinkOut:
    """The guest and conversation a notification link opens; 404 unless it all matches."""
    found = verify_mail_link(ctx.settings.secret_key, body.token)
    if found is None:
        raise ChatsError("not_found")
    guest_id, conversation_id = found
    async with ctx.db.read() as session:
        match = await session.scalar(
            select(Conversation.id)
            .join(Guest, Guest.id == Conversation.guest_id)
            .join(Store, Store.id == Guest.store_id)
            .where(Store.widget_key == key, Guest.id == guest_id,
                   Conversation.id == conversation_id, Conversation.store_id == Store.id)
        )
    if match is None:
        raise ChatsError("not_found")
    return MailLinkOut(guest_id=guest_id, conversation_id=conversation_id)
