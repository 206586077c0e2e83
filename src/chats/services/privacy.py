"""Privacy requests (issue 17 item 4): export everything held about a guest, or erase it.

The export is one ZIP: `guest.json` (fields, notes, blacklist, conversations with every
message, page views, the files' descriptions), `transcript.txt` for people, and the
files themselves under `files/`. The rows are read in one short read transaction; the
archive is written afterwards, outside any transaction.

Erasure ends the guest's open chat, then deletes its messages, page views and files
(rows in one transaction, the bytes on disk after it commits) and empties its fields and
notes. The conversations stay, without nickname or messages, so the statistics
(`services/stats.py` reads only conversation rows and daily counters) keep adding up.
The guest's token is replaced by the hash of a token nobody holds, and its sockets are
closed. Mails about the guest in the outbox go too, and earlier audit entries about it
keep the action but lose their details (a nickname). Erasing an erased guest changes
nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, false, func, or_, select, update

from chats.db.models import (
    AuditEntry,
    Conversation,
    Guest,
    MailOutbox,
    Message,
    PageView,
    Staff,
    StoreField,
    Upload,
    WebhookDelivery,
)
from chats.domain.audit import AuditAction
from chats.domain.conversation import ConversationEvent
from chats.events.audience import guest_channel, store_staff_channel
from chats.ids import iso, new_token, token_hash, utcnow
from chats.services import audit
from chats.services.conversations import finish, open_conversation
from chats.services.guest_directory import get_guest
from chats.services.uploads import file_path

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings
    from chats.db.engine import Database
    from chats.events.unit_of_work import UnitOfWork

ERASED_FRAME = "_guest_erased"
"""Published to the guest's channel after an erasure: its sockets close."""


@dataclass
class GuestRecord:
    """Everything held about one guest, read in one transaction."""

    guest: Guest
    fields: list[StoreField]
    conversations: list[tuple[Conversation, str | None]]  # with the staff member's name
    messages: dict[str, list[Message]]
    page_views: list[PageView]
    uploads: list[Upload]
    staff_names: dict[str, str] = field(default_factory=dict)
    mails: list[MailOutbox] = field(default_factory=list)


def _guest_uploads(guest_id: str, conversation_ids: list[str]) -> Any:
    """The uploads of a guest: its own and every file of its conversations."""
    cond = Upload.guest_id == guest_id
    if conversation_ids:
        cond = or_(cond, Upload.conversation_id.in_(conversation_ids))
    return cond


async def collect(session: AsyncSession, store_id: str, guest_id: str) -> GuestRecord:
    """Read everything held about a guest of this store (another store's: not_found)."""
    guest = await get_guest(session, guest_id, store_id)
    fields = list(await session.scalars(
        select(StoreField).where(StoreField.store_id == store_id)
        .order_by(StoreField.position, StoreField.created_at)))
    conversations: list[tuple[Conversation, str | None]] = [
        (c, name) for c, name in await session.execute(
        select(Conversation, Staff.name).outerjoin(Staff, Staff.id == Conversation.staff_id)
        .where(Conversation.guest_id == guest.id).order_by(Conversation.created_at))]
    ids = [c.id for c, _ in conversations]
    messages: dict[str, list[Message]] = {cid: [] for cid in ids}
    if ids:
        for m in await session.scalars(select(Message).where(Message.conversation_id.in_(ids))
                                       .order_by(Message.conversation_id, Message.seq)):
            messages[m.conversation_id].append(m)
    views = list(await session.scalars(select(PageView).where(PageView.guest_id == guest.id)
                                       .order_by(PageView.viewed_at)))
    uploads = list(await session.scalars(select(Upload).where(_guest_uploads(guest.id, ids))
                                         .order_by(Upload.created_at)))
    staff_ids = {m.staff_id for ms in messages.values() for m in ms if m.staff_id}
    names: dict[str, str] = {}
    if staff_ids:
        rows = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))
        names = {sid: name for sid, name in rows}
    message_ids = [m.id for ms in messages.values() for m in ms]
    mails = list(await session.scalars(select(MailOutbox).where(
        MailOutbox.store_id == store_id, _mail_keys(ids, message_ids))
        .order_by(MailOutbox.created_at)))
    return GuestRecord(guest, fields, conversations, messages, views, uploads, names, mails)


def _mail_keys(conversation_ids: list[str], message_ids: list[str]) -> Any:
    """The outbox rows about a guest: mails to it about its unread messages (`unread:<msg>`)
    and the mails telling staff about a message it left (`left:<conversation>:<staff>`)."""
    keys = [f"unread:{m}" for m in message_ids]
    return or_(MailOutbox.dedupe_key.in_(keys) if keys else false(),
               *[MailOutbox.dedupe_key.like(f"left:{c}:%") for c in conversation_ids],
               # issue 19: transcripts of the guest's chats
               *[MailOutbox.dedupe_key.like(f"transcript:{c}:%") for c in conversation_ids])


def _when(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


def _archive_name(upload: Upload) -> str:
    return f"files/{upload.id}-{upload.original_name}"


def _message_json(m: Message, uploads: dict[str, Upload]) -> dict[str, Any]:
    up = uploads.get(m.upload_id or "")
    return {"seq": m.seq, "author": m.author, "staff_id": m.staff_id, "kind": m.kind,
            "text": m.text, "stamp": m.stamp, "created_at": _when(m.created_at),
            "file": _archive_name(up) if up is not None else None}


def _conversation_json(c: Conversation, staff_name: str | None, messages: list[Message],
                       uploads: dict[str, Upload]) -> dict[str, Any]:
    return {"id": c.id, "kind": str(c.kind), "status": str(c.status), "nickname": c.nickname,
            "staff_id": c.staff_id, "staff_name": staff_name,
            "end_reason": str(c.end_reason) if c.end_reason else None,
            "created_at": _when(c.created_at), "claimed_at": _when(c.claimed_at),
            "ended_at": _when(c.ended_at),
            "rating": c.rating, "rating_comment": c.rating_comment,  # issue 19
            "rated_at": _when(c.rated_at),
            "messages": [_message_json(m, uploads) for m in messages]}


def record_json(rec: GuestRecord) -> dict[str, Any]:
    """The archive's `guest.json`: every column held about the guest, times in ISO 8601."""
    g = rec.guest
    uploads = {u.id: u for u in rec.uploads}
    labels = {f.key: f.label for f in rec.fields}
    return {
        "guest": {
            "id": g.id, "nickname": g.nickname, "locale": g.locale, "notes": g.notes,
            "blacklisted": g.blacklisted, "first_referrer": g.first_referrer,
            "first_seen_at": _when(g.first_seen_at), "last_seen_at": _when(g.last_seen_at),
            "last_contact_at": _when(g.last_contact_at), "erased_at": _when(g.erased_at),
            "profile": [{"key": k, "label": labels.get(k, k), "value": v}
                        for k, v in (g.profile or {}).items()],
        },
        "conversations": [_conversation_json(c, name, rec.messages.get(c.id, []), uploads)
                          for c, name in rec.conversations],
        "page_views": [{"url": v.url, "title": v.title, "referrer": v.referrer,
                        "viewed_at": _when(v.viewed_at)} for v in rec.page_views],
        "files": [{"id": u.id, "name": u.original_name, "content_type": u.content_type,
                   "size": u.size, "sha256": u.sha256, "created_at": _when(u.created_at),
                   "conversation_id": u.conversation_id, "path": _archive_name(u)}
                  for u in rec.uploads],
        "mails": [{"to": m.to_addr, "subject": m.subject, "body": m.body_text,
                   "status": str(m.status), "created_at": _when(m.created_at),
                   "sent_at": _when(m.sent_at)} for m in rec.mails],
        "exported_at": iso(utcnow()),
    }


def transcript(rec: GuestRecord) -> str:
    """The conversations as plain text, one line a message, for a person to read."""
    lines: list[str] = []
    for c, staff_name in rec.conversations:
        lines.append(f"== {iso(c.created_at)}  {c.id}  ({c.status})")
        for m in rec.messages.get(c.id, []):
            who = {"guest": c.nickname or "guest", "system": "*"}.get(
                m.author, rec.staff_names.get(m.staff_id or "", staff_name or "staff"))
            body = m.text or (f"[{m.stamp}]" if m.stamp else f"[{m.kind}]")
            lines.append(f"{iso(m.created_at)}  {who}: {body}")
        lines.append("")
    return "\n".join(lines)


def write_archive(rec: GuestRecord, settings: Settings) -> Path:
    """Write the ZIP to a temporary file and return its path (the caller deletes it).

    Blocking: run it in a worker thread. A file missing on disk is listed in
    `missing_files.txt` instead of failing the whole export.
    """
    from pathlib import Path

    fd, name = tempfile.mkstemp(prefix="chats-export-", suffix=".zip")
    os.close(fd)
    missing: list[str] = []
    with zipfile.ZipFile(name, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("guest.json", json.dumps(record_json(rec), ensure_ascii=False, indent=2))
        zf.writestr("transcript.txt", transcript(rec))
        for up in rec.uploads:
            path = file_path(settings, up)
            if path.is_file():
                zf.write(path, _archive_name(up))
            else:
                missing.append(_archive_name(up))
        if missing:
            zf.writestr("missing_files.txt", "\n".join(missing))
    return Path(name)


async def record_export(db: Database, actor: audit.Actor, rec: GuestRecord) -> None:
    """Write the `guest.exported` entry of an export just built."""
    async with db.write() as session:
        audit.record(session, actor, AuditAction.GUEST_EXPORTED, target_type="guest",
                     target_id=rec.guest.id,
                     details={"conversations": len(rec.conversations),
                              "messages": sum(len(m) for m in rec.messages.values()),
                              "page_views": len(rec.page_views), "files": len(rec.uploads)})
        await session.commit()


async def _count(session: AsyncSession, query: Any) -> int:
    return int(await session.scalar(query) or 0)


async def erase(uow: UnitOfWork, settings: Settings, *, store_id: str, guest_id: str,
                actor: audit.Actor, locale: str) -> list[Path]:
    """Erase a guest of this store; the files to delete once the transaction commits.

    Another store's guest is not_found; an erased guest is left as it is ([] returned).
    """
    session = uow.session
    guest = await get_guest(session, guest_id, store_id)
    if guest.erased_at is not None:
        return []
    open_chat = await open_conversation(session, guest.id)
    if open_chat is not None:
        await finish(uow, open_chat, ConversationEvent.END, locale)
    ids = list(await session.scalars(select(Conversation.id)
                                     .where(Conversation.guest_id == guest.id)))
    uploads = list(await session.scalars(select(Upload).where(_guest_uploads(guest.id, ids))))
    counts = await _delete_content(session, store_id, guest.id, ids, [u.id for u in uploads])
    _blank(guest)
    audit.record(session, actor, AuditAction.GUEST_ERASED, target_type="guest",
                 target_id=guest.id, details=counts)
    uow.publish(guest_channel(guest.id), {"type": ERASED_FRAME})
    uow.publish(store_staff_channel(store_id), {"type": "guest_updated", "guest_id": guest.id})
    return [file_path(settings, u) for u in uploads]


def _quiet(statement: Any) -> Any:
    return statement.execution_options(synchronize_session=False)


async def _delete_content(session: AsyncSession, store_id: str, guest_id: str,
                          ids: list[str], upload_ids: list[str]) -> dict[str, int]:
    """Delete what the guest's conversations held and what is known of it; the counts."""
    message_ids = list(await session.scalars(select(Message.id)
                                             .where(Message.conversation_id.in_(ids))))
    views = await _count(session, select(func.count()).select_from(PageView)
                         .where(PageView.guest_id == guest_id))
    await session.execute(_quiet(delete(MailOutbox).where(
        MailOutbox.store_id == store_id, _mail_keys(ids, message_ids))))
    # Webhook deliveries whose body was built hold the guest's words and name; one not yet
    # built (body None) is made at its first attempt, from what erasure leaves.
    await session.execute(_quiet(delete(WebhookDelivery).where(
        WebhookDelivery.store_id == store_id, WebhookDelivery.body.is_not(None),
        WebhookDelivery.subject_id.in_([guest_id, *ids, *message_ids]))))
    # Earlier entries about the guest keep what happened, not its nickname.
    await session.execute(_quiet(update(AuditEntry).where(
        AuditEntry.store_id == store_id, AuditEntry.target_type == "guest",
        AuditEntry.target_id == guest_id).values(details={})))
    if ids:
        await session.execute(_quiet(delete(Message).where(Message.conversation_id.in_(ids))))
        await session.execute(_quiet(update(Conversation).where(Conversation.id.in_(ids))
                                     .values(nickname=None, rating_comment=None)))
        # The score stays (the statistics are the same before and after); the comment goes.
    if upload_ids:
        await session.execute(_quiet(delete(Upload).where(Upload.id.in_(upload_ids))))
    await session.execute(_quiet(delete(PageView).where(PageView.guest_id == guest_id)))
    return {"conversations": len(ids), "messages": len(message_ids), "page_views": views,
            "files": len(upload_ids)}


def _blank(guest: Guest) -> None:
    """Empty every field of the guest and make its token worthless."""
    guest.nickname = None
    guest.profile = {}
    guest.notes = ""
    guest.blacklisted = False
    guest.locale = None
    guest.search_text = ""
    guest.first_referrer = None
    guest.token_hash = token_hash(new_token())  # a token nobody was ever given
    guest.erased_at = utcnow()


def delete_files(paths: list[Path]) -> None:
    """Remove files whose rows a committed transaction deleted (a missing one is fine)."""
    for path in paths:
        path.unlink(missing_ok=True)
