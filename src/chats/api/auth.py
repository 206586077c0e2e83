"""Staff login, logout and who-am-I (protocol §7)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from chats import devices
from chats.api.deps import Ctx, CurrentStaff, client_ip
from chats.api.schemas import LoginIn, SecondFactorOut, SessionOut, staff_out
from chats.cookies import SESSION_COOKIE
from chats.errors import ChatsError
from chats.realtime.staff_socket import staff_signed_out
from chats.services import auth as auth_service
from chats.services import conversations as conversation_service

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=SessionOut | SecondFactorOut)
async def login(body: LoginIn, request: Request, response: Response,
                ctx: Ctx) -> SessionOut | SecondFactorOut:
    """Check credentials; set a new session cookie (rotated) and return the CSRF token."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        # A cross-site form cannot send JSON without a CORS preflight: no login CSRF.
        raise ChatsError("bad_frame", "error.bad_request")
    result = await auth_service.login(
        ctx.logins,
        login_id=body.login_id,
        password=body.password,
        store_code=body.store,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        old_token=request.cookies.get(SESSION_COOKIE),
        device_cookie=request.cookies.get(devices.COOKIE),
    )
    if isinstance(result, auth_service.SecondFactorAsked):
        return SecondFactorOut(second_factor=result.kind, challenge=result.challenge)
    return session_started(response, ctx, result)


def session_started(response: Response, ctx: Ctx, result: auth_service.LoginResult,
                    recovery_codes: list[str] | None = None) -> SessionOut:
    """Set the new session's cookie (and the device cookie); the answer with its CSRF token."""
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.secure_cookies,
        max_age=int(auth_service.SESSION_LIFETIME.total_seconds()),
        path="/",
    )
    if result.device_cookie:
        # Sent back only with login calls: the proof that this browser logged in before.
        response.set_cookie(
            devices.COOKIE,
            result.device_cookie,
            httponly=True,
            samesite="strict",
            secure=ctx.settings.secure_cookies,
            max_age=devices.LIFETIME_SECONDS,
            path="/api/auth/login",
        )
    return SessionOut(csrf_token=result.csrf_token, staff=staff_out(result.staff, result.store),
                      recovery_codes=recovery_codes)


@router.post("/logout", status_code=204)
async def logout(request: Request, auth: CurrentStaff, ctx: Ctx) -> Response:
    """End this session; the staff member goes offline at once."""
    token = request.cookies.get(SESSION_COOKIE, "")
    async with ctx.unit_of_work() as uow:
        await auth_service.logout(uow.session, token)
        # Leaving for the day: whoever is still online takes over at once.
        await conversation_service.release_all(uow, staff_id=auth.staff.id,
                                               locale=auth.store.locale)
    await staff_signed_out(ctx.presence, ctx.publisher, ctx.notifier, auth.store.id,
                           auth.staff.id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=SessionOut)
async def me(auth: CurrentStaff) -> SessionOut:
    """The logged-in staff member and the CSRF token for this session."""
    return SessionOut(csrf_token=auth.session.csrf_token, staff=staff_out(auth.staff, auth.store))
