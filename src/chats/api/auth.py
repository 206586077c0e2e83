"""Staff login, logout and who-am-I (protocol §7)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from chats.api.deps import SESSION_COOKIE, Ctx, CurrentStaff, client_ip
from chats.api.schemas import LoginIn, SessionOut, staff_out
from chats.errors import ChatsError
from chats.realtime.staff_socket import staff_signed_out
from chats.services import auth as auth_service

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=SessionOut)
async def login(body: LoginIn, request: Request, response: Response, ctx: Ctx) -> SessionOut:
    """Check credentials; set a new session cookie (rotated) and return the CSRF token."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        # A cross-site form cannot send JSON without a CORS preflight: no login CSRF.
        raise ChatsError("bad_frame", "error.bad_request")
    async with ctx.unit_of_work() as uow:
        result = await auth_service.login(
            uow.session,
            login_id=body.login_id,
            password=body.password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            old_token=request.cookies.get(SESSION_COOKIE),
        )
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        max_age=int(auth_service.SESSION_LIFETIME.total_seconds()),
        path="/",
    )
    return SessionOut(csrf_token=result.csrf_token, staff=staff_out(result.staff, result.store))


@router.post("/logout", status_code=204)
async def logout(request: Request, auth: CurrentStaff, ctx: Ctx) -> Response:
    """End this session; the staff member goes offline at once."""
    token = request.cookies.get(SESSION_COOKIE, "")
    async with ctx.unit_of_work() as uow:
        await auth_service.logout(uow.session, token)
    await staff_signed_out(ctx, auth.store.id, auth.staff.id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=SessionOut)
async def me(auth: CurrentStaff) -> SessionOut:
    """The logged-in staff member and the CSRF token for this session."""
    return SessionOut(csrf_token=auth.session.csrf_token, staff=staff_out(auth.staff, auth.store))
