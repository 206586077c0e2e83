"""Admin actions on a store's look (A2 button images, A3 screen) and stamps (A6)."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select

from chats.db.models import Stamp, Store
from chats.domain.audit import AuditAction
from chats.domain.availability import Availability
from chats.errors import ChatsError
from chats.services import audit, images
from chats.services.stamps import BUILTIN_CODES
from chats.services.uploads import store_bytes

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.config import Settings

# A2: one button image per availability the widget can show.
BUTTON_STATUSES: Final = tuple(status.value for status in Availability)
THEME_COLOURS: Final = ("header_bg", "header_fg", "guest_bubble_bg", "guest_bubble_fg",
                        "staff_bubble_bg", "staff_bubble_fg")
BUTTON_MAX_BYTES: Final = 512 * 1024
PICTURE_MAX_BYTES: Final = 5 * 1024 * 1024
_COLOUR = re.compile(r"#[0-9a-f]{6}")
_STAMP_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# A refusal's message per image reason: (button key, picture key).
_REFUSAL_KEYS: Final = {
    "wrong": ("error.button_size", "error.picture_type"),
    "pixels": ("error.button_size", "error.image_pixels"),
    "damaged": ("error.button_damaged", "error.picture_damaged"),
    "not_image": ("error.button_not_image", "error.picture_not_image"),
}


def image_refusal(exc: images.ImageRefused, *, button: bool) -> ChatsError:
    """The localised refusal for an image, saying what was expected and what came."""
    button_key, picture_key = _REFUSAL_KEYS[exc.reason]
    key = button_key if button else picture_key
    if exc.reason == "pixels" and not exc.received:
        key = "error.image_pixels"
    limit = f"{images.MAX_PIXELS:,}"
    return ChatsError("bad_frame", key, detail=exc.received, limit=limit)


def check_size(data: bytes, limit: int) -> None:
    """Refuse an upload above `limit` bytes (too_large)."""
    if len(data) > limit:
        raise ChatsError("too_large", "error.upload_size", limit=f"{limit // 1024} KB")


async def own_store(session: AsyncSession, store_id: str) -> Store:
    """The caller's own store (it exists while its staff are signed in)."""
    store = await session.get(Store, store_id)
    assert store is not None
    return store


async def locked_store(session: AsyncSession, store_id: str) -> Store:
    """The store row, locked for this transaction (JSON settings are read-modify-write)."""
    store = await session.scalar(select(Store).where(Store.id == store_id).with_for_update())
    if store is None:
        raise ChatsError("not_found")
    return store


async def _checked(
    check: Callable[[bytes], images.CheckedImage], data: bytes, *, button: bool
) -> images.CheckedImage:
    """Run an image check off the event loop; refusals become ChatsError."""
    try:
        return await asyncio.to_thread(check, data)
    except images.ImageRefused as exc:
        raise image_refusal(exc, button=button) from exc


async def set_button_image(
    session: AsyncSession, settings: Settings, actor: audit.Actor, *, store_id: str,
    staff_id: str, status: str, filename: str, data: bytes,
) -> Store:
    """A2: store a 100×120 PNG as the store's `status` button image; audited."""
    if status not in BUTTON_STATUSES:
        raise ChatsError("not_found")
    check_size(data, BUTTON_MAX_BYTES)
    checked = await _checked(images.check_button_image, data, button=True)
    # The file first (written and fsynced before the first statement), then the lock.
    upload = await store_bytes(
        session, settings, store_id=store_id, purpose="button", original_name=filename,
        content_type="image/png", data=checked.png, staff_id=staff_id,
    )
    store = await locked_store(session, store_id)
    # A JSON column changes only when a new object is assigned.
    store.button_images = {**(store.button_images or {}), status: upload.id}
    audit.record(session, actor, AuditAction.SETTINGS_BUTTON,
                 details={"status": status, "change": "uploaded"})
    return store


async def reset_button_image(session: AsyncSession, actor: audit.Actor, *, store_id: str,
                             status: str) -> Store:
    """A2: go back to the built-in image for `status`; audited."""
    if status not in BUTTON_STATUSES:
        raise ChatsError("not_found")
    store = await locked_store(session, store_id)
    store.button_images = {k: v for k, v in (store.button_images or {}).items() if k != status}
    audit.record(session, actor, AuditAction.SETTINGS_BUTTON,
                 details={"status": status, "change": "reset"})
    return store


def clean_colour(name: str, value: str | None) -> str | None:
    """`#rrggbb` in lower case, or None for the built-in colour; anything else is refused."""
    if value is None or value == "":
        return None
    colour = value.strip().lower()
    if not _COLOUR.fullmatch(colour):
        raise ChatsError("bad_frame", "error.colour", field=name, value=value[:20])
    return colour


async def set_colours(
    session: AsyncSession, actor: audit.Actor, *, store_id: str,
    colours: Mapping[str, str | None],
) -> Store:
    """A3: change some of the widget's colours (None: back to the built-in colour); audited."""
    cleaned = {name: clean_colour(name, value) for name, value in colours.items()
               if name in THEME_COLOURS}
    store = await locked_store(session, store_id)
    theme: dict[str, Any] = {**(store.theme or {}), **cleaned}
    store.theme = {k: v for k, v in theme.items() if v is not None}
    audit.record(session, actor, AuditAction.SETTINGS_THEME,
                 details={"colours": {k: store.theme.get(k) for k in colours}})
    return store


async def set_logo(
    session: AsyncSession, settings: Settings, actor: audit.Actor, *, store_id: str,
    staff_id: str, filename: str, data: bytes,
) -> Store:
    """A3: the widget header's logo, scaled down and re-encoded as PNG; audited."""
    check_size(data, PICTURE_MAX_BYTES)
    checked = await _checked(
        lambda d: images.fit_picture(d, images.LOGO_BOX), data, button=False
    )
    upload = await store_bytes(
        session, settings, store_id=store_id, purpose="logo", original_name=filename,
        content_type="image/png", data=checked.png, staff_id=staff_id,
    )
    store = await locked_store(session, store_id)
    store.theme = {**(store.theme or {}), "logo_upload_id": upload.id}
    audit.record(session, actor, AuditAction.SETTINGS_LOGO, details={"change": "uploaded"})
    return store


async def remove_logo(session: AsyncSession, actor: audit.Actor, *, store_id: str) -> Store:
    """A3: no logo in the widget header; audited."""
    store = await locked_store(session, store_id)
    store.theme = {k: v for k, v in (store.theme or {}).items() if k != "logo_upload_id"}
    audit.record(session, actor, AuditAction.SETTINGS_LOGO, details={"change": "removed"})
    return store


def clean_stamp_code(code: str) -> str:
    """A stamp code: 1–32 of a-z 0-9 _ -, starting with a letter or digit, not a built-in."""
    code = code.strip().lower()
    if not _STAMP_CODE.fullmatch(code):
        raise ChatsError("bad_frame", "error.stamp_code")
    if code in BUILTIN_CODES:  # the console would hide a store stamp behind the built-in one
        raise ChatsError("conflict", "error.stamp_code_exists", value=code)
    return code


def clean_label(label: str, *, limit: int = 200) -> str:
    """A non-empty, trimmed display label."""
    label = " ".join(label.split())
    if not label or len(label) > limit:
        raise ChatsError("bad_frame", "error.label_required")
    return label


async def _ensure_code_free(
    session: AsyncSession, store_id: str, code: str, *, except_id: str | None = None
) -> None:
    query = select(Stamp.id).where(Stamp.store_id == store_id, Stamp.code == code)
    found = await session.scalar(query)
    if found is not None and found != except_id:
        raise ChatsError("conflict", "error.stamp_code_exists", value=code)


async def stamp_of_store(session: AsyncSession, store_id: str, stamp_id: str) -> Stamp:
    """A stamp of this store, or not_found (never another store's)."""
    stamp = await session.get(Stamp, stamp_id)
    if stamp is None or stamp.store_id != store_id:
        raise ChatsError("not_found")
    return stamp


async def create_stamp(
    session: AsyncSession, settings: Settings, *, store_id: str, staff_id: str,
    code: str, label: str, filename: str, data: bytes,
) -> Stamp:
    """A6: a new store stamp from an uploaded picture (scaled to 256 px, PNG)."""
    code = clean_stamp_code(code)
    label = clean_label(label)
    check_size(data, PICTURE_MAX_BYTES)
    # Decoded before the first statement: no write lock is held while Pillow works.
    checked = await _checked(
        lambda d: images.fit_picture(d, images.STAMP_BOX), data, button=False
    )
    await _ensure_code_free(session, store_id, code)
    upload = await store_bytes(
        session, settings, store_id=store_id, purpose="stamp", original_name=filename,
        content_type="image/png", data=checked.png, staff_id=staff_id,
    )
    last = await session.scalar(
        select(func.max(Stamp.position)).where(Stamp.store_id == store_id)
    )
    stamp = Stamp(store_id=store_id, code=code, label=label, upload_id=upload.id,
                  position=(last if last is not None else -1) + 1)
    session.add(stamp)
    await session.flush()
    return stamp


async def edit_stamp(
    session: AsyncSession, *, store_id: str, stamp_id: str, changes: Mapping[str, Any]
) -> Stamp:
    """A6: rename, recode, move or (de)activate a store stamp."""
    stamp = await stamp_of_store(session, store_id, stamp_id)
    if changes.get("code") is not None:
        code = clean_stamp_code(str(changes["code"]))
        await _ensure_code_free(session, store_id, code, except_id=stamp.id)
        stamp.code = code
    if changes.get("label") is not None:
        stamp.label = clean_label(str(changes["label"]))
    if changes.get("active") is not None:
        stamp.active = bool(changes["active"])
    if changes.get("position") is not None:
        stamp.position = int(changes["position"])
    await session.flush()
    return stamp


async def replace_stamp_image(
    session: AsyncSession, settings: Settings, *, store_id: str, staff_id: str,
    stamp_id: str, filename: str, data: bytes,
) -> Stamp:
    """A6: a new picture for an existing stamp (same code, so old messages follow)."""
    stamp = await stamp_of_store(session, store_id, stamp_id)
    check_size(data, PICTURE_MAX_BYTES)
    checked = await _checked(
        lambda d: images.fit_picture(d, images.STAMP_BOX), data, button=False
    )
    upload = await store_bytes(
        session, settings, store_id=store_id, purpose="stamp", original_name=filename,
        content_type="image/png", data=checked.png, staff_id=staff_id,
    )
    stamp.upload_id = upload.id
    return stamp


async def delete_stamp(session: AsyncSession, *, store_id: str, stamp_id: str) -> None:
    """A6: delete a stamp; messages that used it keep its code as text."""
    await session.delete(await stamp_of_store(session, store_id, stamp_id))


async def picture_ids(session: AsyncSession, store_id: str) -> set[str]:
    """The uploads the store's look uses now: button images, logo, stamp pictures."""
    store = await session.get(Store, store_id)
    if store is None:
        return set()
    ids = {v for v in (store.button_images or {}).values() if isinstance(v, str) and v}
    logo = (store.theme or {}).get("logo_upload_id")
    if isinstance(logo, str) and logo:
        ids.add(logo)
    ids.update(await session.scalars(select(Stamp.upload_id).where(Stamp.store_id == store_id)))
    return ids


async def list_stamps(session: AsyncSession, store_id: str) -> list[Stamp]:
    """Every stamp of the store (active or not), in palette order."""
    rows = await session.scalars(
        select(Stamp).where(Stamp.store_id == store_id)
        .order_by(Stamp.position, Stamp.created_at)
    )
    return list(rows)
