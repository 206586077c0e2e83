"""FastAPI dependencies: the app context, the caller's locale, the logged-in staff member."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from chats.context import AppContext
from chats.cookies import SESSION_COOKIE
from chats.db.models import StaffSession
from chats.domain.staff import StaffRole
from chats.errors import ChatsError
from chats.i18n import pick_locale
from chats.security import same
from chats.services import audit as audit_service
from chats.services import auth as auth_service

if TYPE_CHECKING:
    from chats.db.models import Staff, Store

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_ctx(request: Request) -> AppContext:
    """The process's AppContext (set up by the lifespan)."""
    ctx: AppContext = request.app.state.ctx
    return ctx


def get_locale(request: Request) -> str:
    """ja or en, from ?lang= or Accept-Language."""
    return pick_locale(request.query_params.get("lang") or request.headers.get("accept-language"))


def client_ip(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy forwarded (services/limits.py)."""
    return get_ctx(request).limits.address(request)


@dataclass
class StaffAuth:
    """The caller: session, staff member and store."""

    session: StaffSession
    staff: Staff
    store: Store

    @property
    def is_admin(self) -> bool:
        """True for the admin role."""
        return self.staff.role == StaffRole.ADMIN


async def current_staff(request: Request) -> StaffAuth:
    """The logged-in staff member; 401 without a live session, 403 without CSRF on writes."""
    ctx = get_ctx(request)
    token = request.cookies.get(SESSION_COOKIE)
    async with ctx.db.read() as session:
        found = await auth_service.resolve_session(session, token)
    if found is None:
        raise ChatsError("unauthorized")
    row, staff, store = found
    if request.method not in SAFE_METHODS and not same(
        request.headers.get(CSRF_HEADER), row.csrf_token
    ):
        raise ChatsError("forbidden", "error.csrf")
    if auth_service.needs_touch(row):
        await _touch(ctx, row.id)
    return StaffAuth(session=row, staff=staff, store=store)


async def _touch(ctx: AppContext, session_id: str) -> None:
    async with ctx.unit_of_work() as uow:
        await auth_service.touch_session(uow.session, session_id)


async def current_admin(auth: Annotated[StaffAuth, Depends(current_staff)]) -> StaffAuth:
    """The logged-in admin; agents get 403."""
    if not auth.is_admin:
        raise ChatsError("forbidden", "error.admin_only")
    return auth


async def _ctx(request: Request) -> AppContext:
    # Dependencies declared with `def` run in a worker thread; these are too small for that.
    return get_ctx(request)


async def _locale(request: Request) -> str:
    return get_locale(request)


async def staff_actor(request: Request,
                      auth: Annotated[StaffAuth, Depends(current_staff)]) -> audit_service.Actor:
    """The caller as the audit log names it: staff member, store and client address."""
    return audit_service.Actor.of_staff(auth.staff, client_ip(request))


Ctx = Annotated[AppContext, Depends(_ctx)]
Locale = Annotated[str, Depends(_locale)]
CurrentStaff = Annotated[StaffAuth, Depends(current_staff)]
CurrentAdmin = Annotated[StaffAuth, Depends(current_admin)]
Who = Annotated[audit_service.Actor, Depends(staff_actor)]
