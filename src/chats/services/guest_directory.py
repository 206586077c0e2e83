"""The guest list (W1) and the user-information panel (S3): reads and profile edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, exists, func, or_, select

from chats.db.models import Conversation, Guest, Message, PageView, Staff, StoreField
from chats.domain.conversation import ConversationKind
from chats.domain.text import PHONE_SEPARATORS, phone_digits, search_key
from chats.errors import ChatsError
from chats.services.guests import EMAIL, clean_value, refresh_search_text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

PAGE_SIZE = 20
MAX_NOTES = 10_000
PAGEVIEW_LIMIT = 200


@dataclass
class GuestRow:
    """One line of the guest list."""

    guest: Guest
    unread_for_staff: bool
    sent_to_guest: int
    unread_by_guest: int
    conversations: int


async def get_guest(session: AsyncSession, guest_id: str, store_id: str) -> Guest:
    """A guest of this store, or not_found (never another store's)."""
    guest = await session.get(Guest, guest_id)
    if guest is None or guest.store_id != store_id:
        raise ChatsError("not_found")
    return guest


def _like_pattern(q: str) -> str:
    escaped = search_key(q.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _without_separators(column: Any) -> Any:
    """`column` with phone separators removed, in SQL both SQLite and PostgreSQL run."""
    for sep in PHONE_SEPARATORS:
        column = func.replace(column, sep, "")
    return column


def search_condition(q: str) -> Any:
    """Folded substring match; a phone-like query also matches ignoring separators."""
    condition = Guest.search_text.like(_like_pattern(q), escape="\\")
    digits = phone_digits(q)
    if digits is None:
        return condition
    return or_(condition, _without_separators(Guest.search_text).like(f"%{digits}%"))


async def list_guests(session: AsyncSession, store_id: str, *, q: str, page: int,
                      per_page: int = PAGE_SIZE) -> tuple[list[GuestRow], bool]:
    """Guests the store has talked to, newest contact first; (rows, has_more)."""
    talked = exists().where(Conversation.guest_id == Guest.id)
    query = select(Guest).where(Guest.store_id == store_id, talked)
    if q.strip():
        query = query.where(search_condition(q))
    query = (query.order_by(Guest.last_contact_at.desc().nulls_last(), Guest.id)
             .offset((page - 1) * per_page).limit(per_page + 1))
    guests = list(await session.scalars(query))
    has_more = len(guests) > per_page
    guests = guests[:per_page]
    flags = await _flags(session, [g.id for g in guests])
    rows = [GuestRow(g, *flags.get(g.id, (False, 0, 0, 0))) for g in guests]
    return rows, has_more


async def _flags(session: AsyncSession, guest_ids: list[str]
                 ) -> dict[str, tuple[bool, int, int, int]]:
    """Per guest: unread for staff, offline replies sent, staff messages unread, chats."""
    if not guest_ids:
        return {}
    rows = await session.execute(
        select(
            Conversation.guest_id,
            func.count(func.distinct(Conversation.id)),
            _count_where(and_(Message.author == "guest",
                              Message.seq > Conversation.staff_read_seq)),
            _count_where(and_(Message.author == "staff",
                              Conversation.kind == ConversationKind.OFFLINE)),
            _count_where(and_(Message.author == "staff",
                              Message.seq > Conversation.guest_read_seq)),
        )
        .outerjoin(Message, Message.conversation_id == Conversation.id)
        .where(Conversation.guest_id.in_(guest_ids))
        .group_by(Conversation.guest_id)
    )
    return {gid: (bool(unread), int(sent), int(guest_unread), int(n))
            for gid, n, unread, sent, guest_unread in rows}


def _count_where(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def all_fields(session: AsyncSession, store_id: str) -> list[StoreField]:
    """Every field of the store, removed ones included (their values stay hidden)."""
    rows = await session.scalars(
        select(StoreField).where(StoreField.store_id == store_id)
        .order_by(StoreField.position, StoreField.created_at)
    )
    return list(rows)


def visible_profile(guest: Guest, fields: list[StoreField]) -> dict[str, str]:
    """Profile values of the store's current fields only (removed fields stay hidden)."""
    shown = {f.key for f in fields if not f.removed}
    return {k: str(v) for k, v in (guest.profile or {}).items() if k in shown}


@dataclass
class ConversationSummary:
    """A past or present conversation of a guest, for the guest panel."""

    conversation: Conversation
    staff_name: str | None
    messages: int


async def conversations_of(session: AsyncSession, guest_id: str) -> list[ConversationSummary]:
    """The guest's conversations, newest first, with the staff member's name."""
    rows = await session.execute(
        select(Conversation, Staff.name)
        .outerjoin(Staff, Staff.id == Conversation.staff_id)
        .where(Conversation.guest_id == guest_id)
        .order_by(Conversation.created_at.desc())
        .limit(100)
    )
    return [ConversationSummary(c, name, c.last_seq) for c, name in rows]


async def page_views(session: AsyncSession, guest_id: str) -> list[PageView]:
    """The pages the guest viewed, newest first (S3.3)."""
    rows = await session.scalars(
        select(PageView).where(PageView.guest_id == guest_id)
        .order_by(PageView.viewed_at.desc()).limit(PAGEVIEW_LIMIT)
    )
    return list(rows)


def apply_profile(guest: Guest, fields: list[StoreField], values: dict[str, str | None]) -> bool:
    """Validate and store profile values of the store's current fields; True if any changed.

    The console sends every field on save. A value sent back unchanged that the rules
    cannot read (stored before they existed, or before a field's type changed) stays
    as it is rather than refuse the save of the others; a readable one is normalised.
    """
    by_key = {f.key: f for f in fields if not f.removed}
    stored = guest.profile or {}
    profile = dict(stored)
    for key, raw in values.items():
        field = by_key.get(key)
        if field is None:
            raise ChatsError("bad_frame", "error.field_unknown", status=422, field=key)
        try:
            profile[key] = clean_value(field, raw)
        except ChatsError:
            if raw is None or raw != stored.get(key):
                raise
    changed = profile != stored
    if changed:
        guest.profile = profile
        refresh_search_text(guest)
    return changed


def email_of(guest: Guest, fields: list[StoreField]) -> str | None:
    """The guest's e-mail address from the profile (an email-type field, else `email`)."""
    profile = guest.profile or {}
    keys = [f.key for f in fields if f.type == "email" and not f.removed] + ["email"]
    for key in keys:
        value = str(profile.get(key) or "").strip()
        if value and EMAIL.fullmatch(value):
            return value
    return None


def first_referrer(guest: Guest, views: list[PageView]) -> str | None:
    """Where the guest came from: recorded at first sight, else the oldest view's referrer."""
    if guest.first_referrer:
        return guest.first_referrer
    for view in reversed(views):
        if view.referrer:
            return view.referrer
    return None

