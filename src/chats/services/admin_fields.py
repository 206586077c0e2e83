"""A4: the store's user-information fields — add, rename, reorder, remove (hidden, kept)."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select

from chats.db.models import StoreField
from chats.errors import ChatsError
from chats.services.admin import clean_label

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

FIELD_TYPES: Final = ("text", "email", "tel", "number", "radio", "select", "textarea",
                      "kana", "postal")
CHOICE_TYPES: Final = ("radio", "select")
MAX_OPTIONS: Final = 30
MAX_OPTION_LENGTH: Final = 100
MAX_FIELDS: Final = 50
# Keys the guest's record already uses for something else.
RESERVED_KEYS: Final = frozenset({"nickname", "notes", "blacklisted", "id"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(label: str) -> str:
    """A key from a label: ASCII letters and digits joined by `_`, else "field"."""
    folded = unicodedata.normalize("NFKC", label).lower()
    text = _NOT_SLUG.sub("_", folded).strip("_")[:40].strip("_")
    if not text or text[0].isdigit():
        text = f"field_{text}" if text else "field"
    return text


def unique_key(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`… — the first not in `taken` (nor reserved)."""
    key, n = base, 1
    while key in taken or key in RESERVED_KEYS:
        n += 1
        key = f"{base}_{n}"
    return key


def clean_type(kind: str) -> str:
    """One of the supported field types, else bad_frame."""
    if kind not in FIELD_TYPES:
        raise ChatsError("bad_frame", "error.field_type", allowed=", ".join(FIELD_TYPES))
    return kind


def clean_options(kind: str, options: Sequence[str] | None) -> list[str]:
    """Choices for radio and select (1–30, unique, trimmed); nothing for other types."""
    if kind not in CHOICE_TYPES:
        return []
    cleaned: list[str] = []
    for option in options or []:
        text = " ".join(str(option).split())
        if text and text not in cleaned:
            cleaned.append(text[:MAX_OPTION_LENGTH])
    if not cleaned or len(cleaned) > MAX_OPTIONS:
        raise ChatsError("bad_frame", "error.field_options", max=MAX_OPTIONS)
    return cleaned


async def all_fields(session: AsyncSession, store_id: str) -> list[StoreField]:
    """Every field of the store, removed ones included, in display order."""
    rows = await session.scalars(
        select(StoreField).where(StoreField.store_id == store_id)
        .order_by(StoreField.removed, StoreField.position, StoreField.created_at)
    )
    return list(rows)


async def field_of_store(session: AsyncSession, store_id: str, field_id: str) -> StoreField:
    """A field of this store, or not_found (never another store's)."""
    field = await session.get(StoreField, field_id)
    if field is None or field.store_id != store_id:
        raise ChatsError("not_found")
    return field


async def _next_position(session: AsyncSession, store_id: str) -> int:
    last = await session.scalar(
        select(func.max(StoreField.position)).where(StoreField.store_id == store_id)
    )
    return (last if last is not None else -1) + 1


async def create_field(
    session: AsyncSession, *, store_id: str, label: str, type: str,
    options: Sequence[str] | None = None, ask_before_chat: bool = False, required: bool = False,
) -> StoreField:
    """A new field at the end; its key is a slug of the label, unique in the store."""
    label = clean_label(label, limit=200)
    kind = clean_type(type)
    fields = await all_fields(session, store_id)
    if sum(not f.removed for f in fields) >= MAX_FIELDS:
        raise ChatsError("conflict", "error.field_limit", max=MAX_FIELDS)
    field = StoreField(
        store_id=store_id, key=unique_key(slug(label), {f.key for f in fields}), label=label,
        type=kind, options=clean_options(kind, options),
        position=await _next_position(session, store_id),
        ask_before_chat=ask_before_chat, required=required,
    )
    session.add(field)
    await session.flush()
    return field


async def edit_field(
    session: AsyncSession, *, store_id: str, field_id: str, changes: Mapping[str, Any]
) -> StoreField:
    """Rename, retype, change choices or flags; `removed: false` brings a field back."""
    field = await field_of_store(session, store_id, field_id)
    if changes.get("label") is not None:
        field.label = clean_label(str(changes["label"]))
    kind = clean_type(str(changes["type"])) if changes.get("type") is not None else field.type
    if changes.get("type") is not None or changes.get("options") is not None:
        field.options = clean_options(kind, changes.get("options", field.options))
        field.type = kind
    for flag in ("ask_before_chat", "required"):
        if changes.get(flag) is not None:
            setattr(field, flag, bool(changes[flag]))
    if changes.get("removed") is False and field.removed:
        field.removed = False
        field.position = await _next_position(session, store_id)
    await session.flush()
    return field


async def remove_field(session: AsyncSession, *, store_id: str, field_id: str) -> None:
    """Hide a field everywhere; the values guests already have stay in their profiles."""
    field = await field_of_store(session, store_id, field_id)
    field.removed = True


async def reorder_fields(session: AsyncSession, *, store_id: str, ids: Sequence[str]) -> None:
    """Put the shown fields in the order of `ids`, which must name each of them once."""
    shown = [f for f in await all_fields(session, store_id) if not f.removed]
    by_id = {f.id: f for f in shown}
    if len(ids) != len(by_id) or set(ids) != set(by_id):
        raise ChatsError("conflict", "error.field_order")
    for position, field_id in enumerate(ids):
        by_id[field_id].position = position
