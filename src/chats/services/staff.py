"""Stores and staff: creation, editing, password changes (A1, CLI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from chats.db.models import Staff, StaffSession, Store, StoreField
from chats.domain import calendar
from chats.domain.availability import validate_max_chats
from chats.errors import ChatsError
from chats.ids import new_token, utcnow
from chats.security import hash_password

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ROLES = ("admin", "agent")
# S3.1: the field set a new store starts with (key, ja label, en label, type, options).
DEFAULT_FIELDS: tuple[tuple[str, str, str, str, list[str]], ...] = (
    ("name", "氏名", "Name", "text", []),
    ("kana", "フリガナ", "Name (kana)", "kana", []),
    ("email", "メールアドレス", "E-mail", "email", []),
    ("phone", "電話番号", "Phone", "tel", []),
    ("age", "年齢", "Age", "number", []),
    ("gender", "性別", "Gender", "radio", ["男性", "女性", "その他", "回答しない"]),
    ("postal_code", "郵便番号", "Postal code", "postal", []),
    ("address", "住所", "Address", "textarea", []),
)
MIN_PASSWORD = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ChatsError("bad_frame", "error.validation", detail=f"password < {MIN_PASSWORD}")


def _check_max_chats(n: int) -> int:
    try:
        return validate_max_chats(n)
    except ValueError as exc:
        raise ChatsError("bad_frame", "error.validation", detail="max_chats 1-9") from exc


def check_time_zone(name: str) -> None:
    """Refuse a time zone name that is not an IANA zone."""
    try:
        calendar.zone(name)
    except ValueError:
        raise ChatsError("bad_frame", "error.time_zone", zone=name[:64]) from None


def default_time_zone(locale: str) -> str:
    """The zone a new store counts its days in: Japan for a Japanese store, else UTC."""
    return "Asia/Tokyo" if locale == "ja" else "UTC"


async def create_store(session: AsyncSession, *, name: str, locale: str = "ja",
                       time_zone: str | None = None) -> Store:
    """A new store with a fresh widget key."""
    zone = time_zone or default_time_zone(locale)
    check_time_zone(zone)
    store = Store(name=name.strip(), widget_key=new_token(18), locale=locale, time_zone=zone)
    session.add(store)
    await session.flush()
    for position, (key, ja, en, kind, options) in enumerate(DEFAULT_FIELDS):
        session.add(StoreField(store_id=store.id, key=key, label=ja if locale == "ja" else en,
                               type=kind, options=options, position=position))
    await session.flush()
    return store


async def create_staff(
    session: AsyncSession,
    *,
    store_id: str,
    login_id: str,
    password: str,
    name: str | None = None,
    role: str = "agent",
    max_chats: int = 3,
    email: str | None = None,
) -> Staff:
    """A new staff member; login IDs are unique across the installation."""
    login_id = login_id.strip()
    if not login_id or len(login_id) > 100:
        raise ChatsError("bad_frame", "error.validation", detail="login_id")
    if role not in ROLES:
        raise ChatsError("bad_frame", "error.validation", detail="role")
    _check_password(password)
    if await session.scalar(select(Staff.id).where(Staff.login_id == login_id)):
        raise ChatsError("conflict", "error.login_exists")
    staff = Staff(
        store_id=store_id,
        login_id=login_id,
        name=(name or login_id).strip(),
        role=role,
        max_chats=_check_max_chats(max_chats),
        email=email,
        password_hash=hash_password(password),
    )
    session.add(staff)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ChatsError("conflict", "error.login_exists") from exc
    return staff


async def revoke_sessions(session: AsyncSession, staff_id: str) -> None:
    """Sign a staff member out everywhere."""
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


async def set_password(session: AsyncSession, staff: Staff, password: str) -> None:
    """Change the password and revoke every session of that staff member."""
    _check_password(password)
    staff.password_hash = hash_password(password)
    staff.password_changed_at = utcnow()
    await revoke_sessions(session, staff.id)


def apply_staff_changes(staff: Staff, changes: dict[str, object]) -> None:
    """Validate and apply editable fields (name, email, role, max_chats, active, prefs)."""
    if "role" in changes and changes["role"] not in ROLES:
        raise ChatsError("bad_frame", "error.validation", detail="role")
    if "max_chats" in changes:
        changes["max_chats"] = _check_max_chats(int(str(changes["max_chats"])))
    for key in ("name", "email", "role", "max_chats", "active", "sound_enabled",
                "notify_left_messages", "locale"):
        if key in changes:
            setattr(staff, key, changes[key])
