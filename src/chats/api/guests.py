"""Guests for the console: the guest list (W1), user information (S3), offline replies (M1)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from chats.api.console_schemas import (
    ChatMessage,
    ConversationOut,
    FieldDefinition,
    GuestDetail,
    GuestPage,
    GuestPatch,
    GuestSummary,
    OfflineReplyIn,
    OfflineReplyOut,
    PageViewList,
    PageViewOut,
)
from chats.api.deps import Ctx, CurrentStaff, Locale, Who
from chats.db.models import Guest, StoreField
from chats.domain.referrer import search_words
from chats.events.audience import store_staff_channel
from chats.services import conversations as conversation_service
from chats.services import guest_directory as directory
from chats.services import messages as message_service
from chats.services import offline as offline_service
from chats.services.guest_directory import ConversationSummary, GuestRow
from chats.services.guests import refresh_search_text

router = APIRouter(prefix="/api/guests", tags=["guests"])


def _summary(row: GuestRow) -> GuestSummary:
    guest = row.guest
    name = str((guest.profile or {}).get("name") or "") or None
    return GuestSummary(
        id=guest.id, nickname=guest.nickname, name=name, blacklisted=guest.blacklisted,
        last_contact_at=guest.last_contact_at, unread_for_staff=row.unread_for_staff,
        sent_to_guest=row.sent_to_guest, unread_by_guest=row.unread_by_guest,
        conversations=row.conversations, erased_at=guest.erased_at,
    )


def _conversation(item: ConversationSummary) -> ConversationOut:
    c = item.conversation
    return ConversationOut.model_validate(
        {"id": c.id, "kind": c.kind, "status": c.status, "staff_id": c.staff_id,
         "staff_name": item.staff_name, "nickname": c.nickname, "created_at": c.created_at,
         "ended_at": c.ended_at, "end_reason": c.end_reason, "last_seq": c.last_seq,
         "staff_read_seq": c.staff_read_seq, "guest_read_seq": c.guest_read_seq,
         "rating": conversation_service.rating_json(c)}
    )


def _detail(guest: Guest, fields: list[StoreField],
            conversations: list[ConversationSummary], first_referrer: str | None) -> GuestDetail:
    shown = [f for f in fields if not f.removed]
    return GuestDetail(
        id=guest.id, nickname=guest.nickname,
        profile=directory.visible_profile(guest, fields),
        fields=[FieldDefinition(key=f.key, label=f.label, type=f.type, options=f.options or [],
                                required=f.required, ask_before_chat=f.ask_before_chat)
                for f in shown],
        notes=guest.notes or "", blacklisted=guest.blacklisted,
        email=directory.email_of(guest, fields), first_referrer=first_referrer,
        first_seen_at=guest.first_seen_at, last_seen_at=guest.last_seen_at,
        last_contact_at=guest.last_contact_at,
        conversations=[_conversation(c) for c in conversations], erased_at=guest.erased_at,
    )


@router.get("", response_model=GuestPage)
async def list_guests(
    auth: CurrentStaff, ctx: Ctx,
    q: str = Query(default="", max_length=200),
    page: int = Query(default=1, ge=1, le=10_000),
) -> GuestPage:
    """Every guest the store has talked to, newest contact first; `q` folds kana and widths."""
    async with ctx.db.read() as session:
        rows, has_more = await directory.list_guests(session, auth.store.id, q=q, page=page)
    return GuestPage(guests=[_summary(r) for r in rows], page=page, has_more=has_more)


async def _load_detail(ctx: Ctx, store_id: str, guest_id: str) -> GuestDetail:
    async with ctx.db.read() as session:
        guest = await directory.get_guest(session, guest_id, store_id)
        fields = await directory.all_fields(session, store_id)
        conversations = await directory.conversations_of(session, guest_id)
        views = [] if guest.first_referrer else await directory.page_views(session, guest_id)
        return _detail(guest, fields, conversations, directory.first_referrer(guest, views))


@router.get("/{guest_id}", response_model=GuestDetail)
async def get_guest(guest_id: str, auth: CurrentStaff, ctx: Ctx) -> GuestDetail:
    """The user information of one guest: profile, notes, blacklist, conversations."""
    return await _load_detail(ctx, auth.store.id, guest_id)


@router.patch("/{guest_id}", response_model=GuestDetail)
async def patch_guest(guest_id: str, body: GuestPatch, auth: CurrentStaff, who: Who, ctx: Ctx,
                      locale: Locale) -> GuestDetail:
    """Save profile fields, notes or the blacklist switch (which cuts the guest off at once)."""
    async with ctx.unit_of_work() as uow:
        guest = await directory.get_guest(uow.session, guest_id, auth.store.id)
        changed = False
        if body.profile is not None:
            fields = await directory.all_fields(uow.session, auth.store.id)
            changed = directory.apply_profile(guest, fields, body.profile)
        if body.nickname is not None and body.nickname.strip() != guest.nickname:
            guest.nickname = body.nickname.strip()
            refresh_search_text(guest)
            changed = True
        if body.notes is not None and body.notes != guest.notes:
            guest.notes = body.notes
            changed = True
        if body.blacklisted is not None and body.blacklisted != guest.blacklisted:
            # Publishes guest_updated itself, after ending an open chat.
            await conversation_service.set_blacklisted(
                uow, guest=guest, blacklisted=body.blacklisted, locale=locale, actor=who
            )
        elif changed:
            uow.publish(store_staff_channel(auth.store.id),
                        {"type": "guest_updated", "guest_id": guest.id})
    blacklist_changed = body.blacklisted is not None
    if blacklist_changed:
        # Availability and the queue change for everyone when a waiting guest is cut off.
        ctx.notifier.notify(auth.store.id)
    return await _load_detail(ctx, auth.store.id, guest_id)


@router.get("/{guest_id}/pageviews", response_model=PageViewList)
async def pageviews(guest_id: str, auth: CurrentStaff, ctx: Ctx) -> PageViewList:
    """Where the guest came from and the pages it viewed, newest first (S3.3)."""
    async with ctx.db.read() as session:
        guest = await directory.get_guest(session, guest_id, auth.store.id)
        views = await directory.page_views(session, guest_id)
    first = directory.first_referrer(guest, views)
    return PageViewList(
        first_referrer=first, first_search_words=search_words(first),
        pageviews=[PageViewOut(url=v.url, title=v.title, referrer=v.referrer,
                               search_words=search_words(v.referrer), viewed_at=v.viewed_at)
                   for v in views],
    )


@router.post("/{guest_id}/messages", response_model=OfflineReplyOut, status_code=201)
async def offline_reply(guest_id: str, body: OfflineReplyIn, auth: CurrentStaff,
                        ctx: Ctx) -> OfflineReplyOut:
    """M1: a reply the guest reads on its next visit; M2: optionally tell it by e-mail."""
    async with ctx.unit_of_work() as uow:
        message, notified = await offline_service.reply(
            uow, settings=ctx.settings, store=auth.store, staff=auth.staff, guest_id=guest_id,
            text=body.text, notify_email=body.notify_email,
        )
        frames = await message_service.frames_for(uow.session, [message])
    frame = frames[0]
    frame.pop("type", None)
    return OfflineReplyOut(message=ChatMessage.model_validate(frame), notified=notified)
