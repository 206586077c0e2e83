"""The chat transcript by e-mail (issue 19 item 3): queued in the durable mail outbox.

The guest asks for its own ended chat (the guest socket's `transcript` frame); staff of
the store send one from the console (`POST /api/conversations/{id}/transcript`). The mail
is built here from the stored messages and queued in the caller's transaction; the outbox's
sender delivers it. Each conversation takes at most GUEST_PER_CONVERSATION requests from
its guest and STAFF_PER_CONVERSATION from staff, on top of the outbox's per-address and
per-store hourly limits, so the widget cannot be used to mail strangers over and over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import func, select

from chats.db.models import Conversation, Guest, MailOutbox, Store
from chats.domain.conversation import ConversationStatus
from chats.errors import ChatsError
from chats.i18n import translate
from chats.ids import new_id
from chats.mail.addresses import clean_header_text, validate_address
from chats.mail.content import mail_locale
from chats.mail.outbox import STAFF_MAILS_PER_HOUR, message_host, queue_mail
from chats.mail.transcript import (
    Line,
    Transcript,
    render_transcript_html,
    render_transcript_text,
)
from chats.services import conversations as conversation_service
from chats.services import guest_directory as directory
from chats.services import guests as guest_service
from chats.services import messages as message_service
from chats.services.stamps import list_stamps

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings

GUEST_PER_CONVERSATION: Final = 3
STAFF_PER_CONVERSATION: Final = 10
MAX_LINES: Final = 2000
Requester = Literal["guest", "staff"]


def _key_prefix(conversation_id: str, by: Requester) -> str:
    return f"transcript:{conversation_id}:{by}:"


async def _requests_so_far(session: AsyncSession, conversation_id: str, by: Requester) -> int:
    count = await session.scalar(
        select(func.count()).select_from(MailOutbox)
        .where(MailOutbox.dedupe_key.startswith(_key_prefix(conversation_id, by))))
    return int(count or 0)


async def build(session: AsyncSession, *, settings: Settings, store: Store,
                conversation: Conversation, locale: str) -> Transcript:
    """The transcript of a conversation as the mail shows it."""
    rows = await message_service.messages_after(session, conversation.id, 0, MAX_LINES)
    frames = await message_service.frames_for(session, rows)
    stamps = {s.code: s for s in await list_stamps(session, store.id, locale)}
    base = settings.public_url.rstrip("/")
    guest_name = conversation.nickname or translate("mail.left.anonymous", locale)
    lines: list[Line] = []
    for message, frame in zip(rows, frames, strict=True):
        if message.author == "guest":
            name = guest_name
        elif message.author == "staff":
            name = (frame.get("staff") or {}).get("name") or store.name
        else:
            name = ""
        link = None
        stamp_label = None
        file_name = None
        if message.kind == "stamp" and message.stamp:
            info = stamps.get(message.stamp)
            stamp_label = info.label if info else message.stamp
            url = frame.get("stamp_url") or (info.url if info else None)
            link = f"{base}{url}" if url else None
        elif message.kind == "file" and frame.get("file"):
            file_name = frame["file"]["name"]
            link = f"{base}{frame['file']['url']}"
        lines.append(Line(at=message.created_at, author=message.author, name=name,
                          kind=message.kind, text=message.text, stamp_label=stamp_label,
                          link=link, file_name=file_name))
    theme = store.theme or {}
    return Transcript(locale=locale, store_name=clean_header_text(store.name),
                      time_zone=store.time_zone or "UTC", started_at=conversation.created_at,
                      lines=lines, header_bg=theme.get("header_bg"),
                      header_fg=theme.get("header_fg"))


async def queue_transcript(session: AsyncSession, *, settings: Settings,
                           conversation: Conversation, to_addr: str, by: Requester,
                           locale: str | None = None) -> MailOutbox:
    """Check the request and queue the transcript mail in the caller's transaction.

    Refused, with nothing queued: a malformed address `bad_frame`; the guest asking before
    the chat ended `conflict`; past the per-conversation or the outbox's hourly limits
    `rate_limited`.
    """
    address = validate_address(to_addr)
    if by == "guest" and conversation.status != ConversationStatus.ENDED:
        raise ChatsError("conflict", "error.transcript_not_ended")
    limit = GUEST_PER_CONVERSATION if by == "guest" else STAFF_PER_CONVERSATION
    if await _requests_so_far(session, conversation.id, by) >= limit:
        raise ChatsError("rate_limited", "error.transcript_limit", count=limit)
    store = await session.get(Store, conversation.store_id)
    if store is None:
        raise ChatsError("not_found")
    transcript = await build(session, settings=settings, store=store,
                             conversation=conversation,
                             locale=mail_locale(locale, store.locale))
    mail = await queue_mail(
        session, store_id=store.id, dedupe_key=f"{_key_prefix(conversation.id, by)}{new_id()}",
        to_addr=address, subject=transcript.subject,
        body_text=render_transcript_text(transcript),
        body_html=render_transcript_html(transcript),
        mail_host=message_host(settings.public_url),
        **({"recipient_limit": STAFF_MAILS_PER_HOUR} if by == "staff" else {}),
    )
    if mail is None:
        raise ChatsError("rate_limited", "error.transcript_limit", count=limit)
    return mail


async def staff_sends(session: AsyncSession, *, settings: Settings, store_id: str,
                      conversation_id: str, to: str | None) -> MailOutbox:
    """A staff member mails the transcript to `to`, or left out, to the guest's own address.

    A guest whose profile has no address is `bad_frame`; `queue_transcript` does the rest.
    """
    conversation = await conversation_service.get_for_store(session, conversation_id, store_id)
    guest = await session.get(Guest, conversation.guest_id)
    if to is None or not to.strip():
        fields = await guest_service.store_fields(session, store_id)
        to = directory.email_of(guest, fields) if guest is not None else None
        if to is None:
            raise ChatsError("bad_frame", "error.transcript_no_address")
    return await queue_transcript(session, settings=settings, conversation=conversation,
                                  to_addr=to, by="staff",
                                  locale=guest.locale if guest is not None else None)
