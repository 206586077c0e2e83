"""HTTP request and response bodies shared by several routers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chats.db.models import Staff, Store


class StrictBody(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class StoreOut(BaseModel):
    id: str
    name: str
    widget_key: str
    locale: str
    time_zone: str  # the IANA zone whose calendar days the statistics count


class StaffOut(BaseModel):
    id: str
    login_id: str
    name: str
    email: str | None
    role: str
    max_chats: int
    active: bool
    sound_enabled: bool
    notify_left_messages: bool
    store: StoreOut | None = None


def staff_out(staff: Staff, store: Store | None = None) -> StaffOut:
    """The public view of a staff member."""
    return StaffOut(
        id=staff.id,
        login_id=staff.login_id,
        name=staff.name,
        email=staff.email,
        role=staff.role,
        max_chats=staff.max_chats,
        active=staff.active,
        sound_enabled=staff.sound_enabled,
        notify_left_messages=staff.notify_left_messages,
        store=StoreOut(
            id=store.id, name=store.name, widget_key=store.widget_key, locale=store.locale,
            time_zone=store.time_zone,
        )
        if store
        else None,
    )


class LoginIn(StrictBody):
    login_id: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class SessionOut(BaseModel):
    csrf_token: str
    staff: StaffOut


class StaffCreateIn(StrictBody):
    login_id: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: str = Field(default="agent", pattern="^(admin|agent)$")
    max_chats: int = Field(default=3, ge=1, le=9)


class StaffPatchIn(StrictBody):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: str | None = Field(default=None, pattern="^(admin|agent)$")
    max_chats: int | None = Field(default=None, ge=1, le=9)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    sound_enabled: bool | None = None
    notify_left_messages: bool | None = None


class StaffList(BaseModel):
    staff: list[StaffOut]
