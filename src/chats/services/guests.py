"""Guests: identified by a bearer token kept in the browser; profile edits (page views: visits)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select

from chats.db.models import Conversation, Guest, Message, Store, StoreField
from chats.domain.japanese import (
    JapaneseInputError,
    furigana,
    phone_number,
    postal_code,
    postal_code_display,
)
from chats.domain.text import normalise_digits, search_key
from chats.errors import ChatsError
from chats.ids import new_id, new_token, token_hash, utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_URL = 2000


async def store_by_key(session: AsyncSession, widget_key: str) -> Store:
    """The store of a widget key, or not_found."""
    store = await session.scalar(select(Store).where(Store.widget_key == widget_key,
                                                     Store.suspended_at.is_(None)))
    if store is None:
        raise ChatsError("not_found")
    return store


async def guest_by_token(session: AsyncSession, store_id: str, token: str | None) -> Guest | None:
    """The guest holding `token` in this store (a token of another store finds nothing)."""
    if not token:
        return None
    guest = await session.scalar(select(Guest).where(Guest.token_hash == token_hash(token)))
    if guest is None or guest.store_id != store_id:
        return None
    return guest


@dataclass(slots=True)
class UnsavedGuest:
    """A guest who said `hello` without a token this store knows, not stored yet.

    The id and token are handed out in `welcome` at once; the row is written only
    when the guest does something that needs one (`save_guest`). A visitor who only
    opens the panel, or a client opening sockets in a loop, leaves no row behind.
    """

    id: str
    store_id: str
    token_hash: str
    locale: str | None
    blacklisted: bool = False  # nobody can blacklist a guest staff have never seen


async def identify_lazily(
    session: AsyncSession, store: Store, token: str | None
) -> tuple[Guest | UnsavedGuest, str]:
    """The guest holding `token` (last seen now), or a new, unsaved one: (guest, token)."""
    guest = await guest_by_token(session, store.id, token)
    if guest is not None and token:
        guest.last_seen_at = utcnow()
        return guest, token
    token = new_token()
    return UnsavedGuest(new_id(), store.id, token_hash(token), None), token


async def save_guest(session: AsyncSession, unsaved: UnsavedGuest) -> Guest:
    """Write the row of a guest known so far only to its socket (same id and token)."""
    now = utcnow()
    guest = Guest(id=unsaved.id, store_id=unsaved.store_id, token_hash=unsaved.token_hash,
                  locale=unsaved.locale, first_seen_at=now, last_seen_at=now)
    session.add(guest)
    await session.flush()
    return guest


async def unread_for_guest(session: AsyncSession, guest_id: str) -> int:
    """Staff messages the guest has not read yet (G7)."""
    n = await session.scalar(
        select(func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.guest_id == guest_id,
            Message.author == "staff",
            Message.seq > Conversation.guest_read_seq,
        )
    )
    return int(n or 0)


def refresh_search_text(guest: Guest) -> None:
    """Keep the folded search column in step with nickname and profile (W1 search)."""
    parts = [guest.nickname or "", *[str(v) for v in (guest.profile or {}).values()]]
    guest.search_text = search_key(" ".join(p for p in parts if p))


async def store_fields(session: AsyncSession, store_id: str) -> list[StoreField]:
    """The store's user-information fields in display order (removed ones excluded)."""
    rows = await session.scalars(
        select(StoreField)
        .where(StoreField.store_id == store_id, StoreField.removed.is_(False))
        .order_by(StoreField.position, StoreField.created_at)
    )
    return list(rows)


def merge_profile(guest: Guest, values: dict[str, Any], allowed: set[str]) -> None:
    """Store profile values for known field keys; unknown keys are ignored."""
    profile = dict(guest.profile or {})
    for key, value in values.items():
        if key in allowed:
            profile[key] = "" if value is None else str(value)[:2000]
    guest.profile = profile
    refresh_search_text(guest)


MAX_VALUE: Final = 2000
EMAIL: Final = re.compile(r"[^@\s\"<>()\[\],;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                          r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_NUMBER: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invalid(field: StoreField, key: str = "error.field_invalid") -> ChatsError:
    return ChatsError("bad_frame", key, status=422, field=field.label)


def _japanese(field: StoreField, value: str) -> str:
    """Furigana, phone and postal values in their stored form (domain/japanese.py)."""
    try:
        if field.type == "kana":
            return furigana(value)
        if field.type == "tel":
            return phone_number(value)
        return postal_code_display(postal_code(value))
    except JapaneseInputError as exc:
        raise _invalid(field, f"error.input_{exc.reason}") from None


def clean_value(field: StoreField, raw: str | None) -> str:
    """A profile value checked and normalised for its field type ("" clears it).

    Staff (the console, the REST API) and guests (the entry form) go through this
    same function, so a value reads the same whoever typed it.
    """
    value = _CONTROL.sub("", (raw or "").strip() if field.type != "textarea" else (raw or ""))
    value = value.strip() if field.type != "textarea" else value.rstrip()
    if not value:
        return ""
    if len(value) > MAX_VALUE:
        raise _invalid(field)
    kind = field.type
    if kind == "email":
        if not EMAIL.fullmatch(value):
            raise ChatsError("bad_frame", "error.email_invalid", status=422)
    elif kind in ("kana", "tel", "postal"):
        value = _japanese(field, value)
    elif kind == "number":
        value = normalise_digits(value)
        if not _NUMBER.fullmatch(value):
            raise _invalid(field)
    elif kind in ("radio", "select") and value not in (field.options or []):
        raise _invalid(field)
    return value


def entry_values(fields: list[StoreField], values: dict[str, Any]) -> dict[str, str]:
    """The guest's entry-form values of `fields`, cleaned like staff values (others ignored)."""
    by_key = {f.key: f for f in fields}
    return {key: clean_value(by_key[key], None if raw is None else str(raw))
            for key, raw in values.items() if key in by_key}
