"""Stores and staff: creation, editing, password changes (A1, CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from chats.db.models import Staff, StaffSession, Store, StoreField
from chats.domain import calendar
from chats.domain.audit import AuditAction
from chats.domain.availability import validate_max_chats
from chats.domain.staff import StaffRole
from chats.errors import ChatsError
from chats.events.audience import staff_channel
from chats.ids import new_store_code, utcnow
from chats.services import attempts, audit
from chats.services.passwords import new_password_hash

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.events.unit_of_work import UnitOfWork

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
@dataclass(frozen=True)
class HashedPassword:
    """A password that passed the policy, already hashed: made before a transaction opens."""

    value: str


async def prepare_password(password: str, *, user_inputs: Iterable[str] = ()) -> HashedPassword:
    """Check the policy, then hash in the bounded hashing pool, off the event loop.

    Call it before opening the unit of work: argon2 inside a write transaction would
    hold SQLite's only write lock for a third of a second while every chat waits.
    """
    return HashedPassword(await new_password_hash(password, user_inputs=user_inputs))


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
    store = Store(name=name.strip(), widget_key=new_store_code(), locale=locale, time_zone=zone)
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
    password: str | HashedPassword,
    name: str | None = None,
    role: StaffRole = StaffRole.AGENT,
    max_chats: int = 3,
    email: str | None = None,
) -> Staff:
    """A new staff member; login IDs are unique within the store (other stores may reuse them)."""
    login_id = login_id.strip()
    if not login_id or len(login_id) > 100:
        raise ChatsError("bad_frame", "error.validation", detail="login_id")
    if role not in set(StaffRole):
        raise ChatsError("bad_frame", "error.validation", detail="role")
    password_hash = password.value if isinstance(password, HashedPassword) \
        else await new_password_hash(password, user_inputs=(login_id, name or ""))
    if await session.scalar(select(Staff.id).where(Staff.store_id == store_id,
                                                   Staff.login_id == login_id)):
        raise ChatsError("conflict", "error.login_exists")
    staff = Staff(
        store_id=store_id,
        login_id=login_id,
        name=(name or login_id).strip(),
        role=role,
        max_chats=_check_max_chats(max_chats),
        email=email,
        password_hash=password_hash,
    )
    session.add(staff)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ChatsError("conflict", "error.login_exists") from exc
    return staff


async def list_staff(session: AsyncSession, store_id: str) -> list[Staff]:
    """Every staff member of a store, oldest first."""
    rows = await session.scalars(
        select(Staff).where(Staff.store_id == store_id).order_by(Staff.created_at))
    return list(rows)


async def access_staff(session: AsyncSession, store_id: str, staff_id: str) -> Staff:
    """A staff member of the caller's store; a foreign id and a missing one answer the same."""
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.store_id != store_id:
        raise ChatsError("not_found")
    return staff


async def revoke_sessions(session: AsyncSession, staff_id: str, *, keep: str | None = None) -> None:
    """Sign a staff member out everywhere (but the session whose id is `keep`)."""
    query = delete(StaffSession).where(StaffSession.staff_id == staff_id)
    if keep is not None:
        query = query.where(StaffSession.id != keep)
    await session.execute(query)


async def set_password(session: AsyncSession, staff: Staff, password_hash: str, *,
                       keep_session: str | None = None) -> None:
    """Store a new hash (`passwords.new_password_hash`) and end the other sessions."""
    staff.password_hash = password_hash
    staff.password_changed_at = utcnow()
    await revoke_sessions(session, staff.id, keep=keep_session)


def current_password_key(staff_id: str) -> str:
    """The attempts budget (`services/attempts.py`) of a staff member's wrong current passwords."""
    return f"current:{staff_id}"


async def change_own_password(session: AsyncSession, actor: audit.Actor, staff_id: str,
                              password_hash: str, *, keep_session: str) -> None:
    """A signed-in staff member's new password (hashed before the transaction); audited.

    Every other session of theirs ends, and their wrong current passwords are forgotten.
    """
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise ChatsError("unauthorized")
    await set_password(session, staff, password_hash, keep_session=keep_session)
    await attempts.clear(session, current_password_key(staff.id))
    audit.record(session, actor, AuditAction.PASSWORD_CHANGED, target_type="staff",
                 target_id=staff.id)


def own_view(staff: Staff) -> dict[str, object]:
    """What a console knows of its own staff member (`welcome.staff`, the `me` frame)."""
    return {"id": staff.id, "login_id": staff.login_id, "name": staff.name,
            "role": staff.role, "max_chats": staff.max_chats,
            "sound_enabled": staff.sound_enabled}


async def set_preferences(uow: UnitOfWork, staff_id: str, *,
                          sound_enabled: bool | None) -> Staff:
    """Remember a staff member's own console preferences; their other consoles follow at once."""
    staff = await uow.session.get(Staff, staff_id)
    if staff is None:
        raise ChatsError("not_found")
    if sound_enabled is not None:
        staff.sound_enabled = sound_enabled
    uow.publish(staff_channel(staff.id), {"type": "me", "staff": own_view(staff)})
    return staff


def apply_staff_changes(staff: Staff, changes: dict[str, object]) -> dict[str, object]:
    """Validate and apply editable fields (name, email, role, max_chats, active, prefs).

    Returns the fields whose value changed, with their new values.
    """
    if "role" in changes and changes["role"] not in set(StaffRole):
        raise ChatsError("bad_frame", "error.validation", detail="role")
    if "max_chats" in changes:
        changes["max_chats"] = _check_max_chats(int(str(changes["max_chats"])))
    changed: dict[str, object] = {}
    for key in ("name", "email", "role", "max_chats", "active", "sound_enabled",
                "notify_left_messages", "locale"):
        if key in changes and getattr(staff, key) != changes[key]:
            setattr(staff, key, changes[key])
            changed[key] = changes[key]
    return changed
