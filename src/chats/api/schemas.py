"""HTTP request and response bodies shared by several routers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chats.db.models import Staff, Store
from chats.domain.staff import StaffRole
from chats.domain.text import holds_nul


class StrictBody(BaseModel):
    """A request body: unknown fields are refused, and so is U+0000 in any string."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        if holds_nul(data):
            raise ValueError("U+0000 in a string")
        return data


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
    role: StaffRole
    max_chats: int
    active: bool
    sound_enabled: bool
    notify_left_messages: bool
    two_factor: bool = False  # the second factor (TOTP) is on
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
        two_factor=staff.totp_secret is not None,
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
    # The store's code (its widget key): needed only when several stores use the login ID.
    store: str | None = Field(default=None, max_length=64)


class SessionOut(BaseModel):
    csrf_token: str
    staff: StaffOut
    # Only when this login finished setting up the second factor: shown once, never again.
    recovery_codes: list[str] | None = None


class SecondFactorOut(BaseModel):
    """The password was right; the session comes after the second factor (no cookie yet)."""

    second_factor: Literal["totp", "setup"]
    challenge: str


class StaffCreateIn(StrictBody):
    login_id: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)  # the policy's own message refuses
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: StaffRole = StaffRole.AGENT
    max_chats: int = Field(default=3, ge=1, le=9)


class StaffPatchIn(StrictBody):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: StaffRole | None = None
    max_chats: int | None = Field(default=None, ge=1, le=9)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=1000)
    sound_enabled: bool | None = None
    notify_left_messages: bool | None = None


class StaffList(BaseModel):
    staff: list[StaffOut]
