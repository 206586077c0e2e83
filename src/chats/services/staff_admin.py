"""An admin's actions on the store's staff (A1): add a member, edit, disable, reset a password.

Apart from `services/staff.py` because disabling a member releases their chats
(`services/conversations.py`), which itself needs the store rules of `staff.py`.
Each action writes its audit entries in the caller's unit of work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chats.domain.staff import StaffRole
from chats.errors import ChatsError
from chats.events.audience import staff_channel
from chats.services import audit
from chats.services import conversations as conversation_service
from chats.services import staff as staff_service

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.db.models import Staff
    from chats.events.unit_of_work import UnitOfWork


async def add_staff(session: AsyncSession, actor: audit.Actor, *, store_id: str,
                    fields: dict[str, Any]) -> Staff:
    """Add a member to the store (the password hashed before the transaction); audited."""
    staff = await staff_service.create_staff(session, store_id=store_id, **fields)
    audit.staff_created(session, actor, staff)
    return staff


def _refuse_self_lockout(caller_id: str, staff_id: str, changes: dict[str, object]) -> None:
    """An admin cannot disable themself or drop their own admin role (nobody could undo it)."""
    if caller_id == staff_id and (changes.get("active") is False
                                  or changes.get("role", StaffRole.ADMIN) != StaffRole.ADMIN):
        raise ChatsError("conflict", "error.self_lockout")


async def change_staff(uow: UnitOfWork, actor: audit.Actor, *, store_id: str, caller_id: str,
                       staff_id: str, changes: dict[str, object], password_hash: str | None,
                       locale: str) -> Staff:
    """Edit, disable or reset the password of a member of the store; audited.

    A disabled member's chats go back to the queue and their sessions end; otherwise
    their consoles get the `me` frame after the commit.
    """
    staff = await staff_service.access_staff(uow.session, store_id, staff_id)
    _refuse_self_lockout(caller_id, staff.id, changes)
    changed = staff_service.apply_staff_changes(staff, changes)
    if password_hash:
        await staff_service.set_password(uow.session, staff, password_hash)
    audit.staff_changed(uow.session, actor, staff, changed,
                        password_reset=password_hash is not None)
    if changes.get("active") is False:
        # Nobody may be left talking to a disabled account: its chats go back to
        # the queue before its sessions end (docs/protocol.md §5, "No chat without an owner").
        await conversation_service.release_all(uow, staff_id=staff.id, locale=locale)
        await staff_service.revoke_sessions(uow.session, staff.id)
    else:
        uow.publish(staff_channel(staff.id),
                    {"type": "me", "staff": staff_service.own_view(staff)})
    return staff
