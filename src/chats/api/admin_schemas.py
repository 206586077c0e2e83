"""Request and response bodies of the admin menu's calls (A2–A6)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chats.api.schemas import StrictBody
from chats.db.models import Stamp, Store, StoreField


def file_url(upload_id: Any) -> str | None:
    """Same-origin URL of an uploaded image, shown inline."""
    return f"/files/{upload_id}?inline=1" if isinstance(upload_id, str) and upload_id else None


class StoreRef(BaseModel):
    id: str
    name: str
    widget_key: str


class ScreenSettings(BaseModel):
    """A2 and A3: button images (null: built-in), colours (null: built-in), logo."""

    store: StoreRef
    buttons: dict[str, str | None]
    colours: dict[str, str | None]
    logo_url: str | None


class ColoursIn(StrictBody):
    """A3: any subset of the six colours; `#rrggbb`, or null for the built-in colour."""

    header_bg: str | None = Field(default=None, max_length=20)
    header_fg: str | None = Field(default=None, max_length=20)
    guest_bubble_bg: str | None = Field(default=None, max_length=20)
    guest_bubble_fg: str | None = Field(default=None, max_length=20)
    staff_bubble_bg: str | None = Field(default=None, max_length=20)
    staff_bubble_fg: str | None = Field(default=None, max_length=20)


def screen_settings(store: Store, statuses: tuple[str, ...],
                    colours: tuple[str, ...]) -> ScreenSettings:
    """The public view of a store's look."""
    images = store.button_images or {}
    theme = store.theme or {}
    return ScreenSettings(
        store=StoreRef(id=store.id, name=store.name, widget_key=store.widget_key),
        buttons={s: file_url(images.get(s)) for s in statuses},
        colours={c: theme.get(c) for c in colours},
        logo_url=file_url(theme.get("logo_upload_id")),
    )


class FieldOut(BaseModel):
    id: str
    key: str
    label: str
    type: str
    options: list[str]
    position: int
    ask_before_chat: bool
    required: bool
    removed: bool


def field_out(field: StoreField) -> FieldOut:
    """The admin's view of a field (removed ones included)."""
    return FieldOut(
        id=field.id, key=field.key, label=field.label, type=field.type,
        options=list(field.options or []), position=field.position,
        ask_before_chat=field.ask_before_chat, required=field.required, removed=field.removed,
    )


class FieldList(BaseModel):
    fields: list[FieldOut]


class FieldIn(StrictBody):
    label: str = Field(min_length=1, max_length=200)
    type: str = Field(default="text", max_length=16)
    options: list[str] = Field(default_factory=list, max_length=100)
    ask_before_chat: bool = False
    required: bool = False


class FieldPatch(StrictBody):
    label: str | None = Field(default=None, min_length=1, max_length=200)
    type: str | None = Field(default=None, max_length=16)
    options: list[str] | None = Field(default=None, max_length=100)
    ask_before_chat: bool | None = None
    required: bool | None = None
    removed: bool | None = None


class FieldOrderIn(StrictBody):
    ids: list[str] = Field(max_length=200)


class StampOut(BaseModel):
    id: str
    code: str
    label: str
    url: str | None
    active: bool
    position: int


def stamp_out(stamp: Stamp) -> StampOut:
    """The admin's view of a store stamp."""
    return StampOut(id=stamp.id, code=stamp.code, label=stamp.label,
                    url=file_url(stamp.upload_id), active=stamp.active, position=stamp.position)


class StampList(BaseModel):
    stamps: list[StampOut]


class StampPatch(StrictBody):
    code: str | None = Field(default=None, max_length=64)
    label: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
