"""Second factor (S10): login with a code, enrolment, turning off, the admin's controls."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from chats import devices
from chats.api.account import check_current_password
from chats.api.auth import session_started
from chats.api.deps import Ctx, CurrentAdmin, CurrentStaff, Who, client_ip
from chats.api.schemas import SessionOut, StrictBody
from chats.cookies import SESSION_COOKIE
from chats.errors import ChatsError
from chats.services import auth as auth_service
from chats.services import two_factor

router = APIRouter(prefix="/api", tags=["two-factor"])


class ChallengeIn(StrictBody):
    challenge: str = Field(min_length=1, max_length=100)


class CodeLoginIn(ChallengeIn):
    code: str = Field(min_length=1, max_length=40)  # six digits, or a recovery code


class CodeIn(StrictBody):
    code: str = Field(min_length=1, max_length=40)


class PasswordIn(StrictBody):
    password: str = Field(min_length=1, max_length=1000)


class RequiredIn(StrictBody):
    required: bool


class EnrolmentOut(BaseModel):
    secret: str  # base32, for typing into an authenticator app
    uri: str  # otpauth://totp/…
    qr_svg: str  # the URI as a QR code: a data: URI of an SVG image


class TwoFactorOut(BaseModel):
    enabled: bool
    required: bool  # the store requires a second factor of all its staff
    recovery_codes_left: int


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]  # shown once; only their hashes are kept


def _enrolment_out(enrolment: two_factor.Enrolment) -> EnrolmentOut:
    return EnrolmentOut(secret=enrolment.secret, uri=enrolment.uri, qr_svg=enrolment.qr_svg)


@router.post("/auth/login/totp", response_model=SessionOut)
async def login_with_code(body: CodeLoginIn, request: Request, response: Response,
                          ctx: Ctx) -> SessionOut:
    """Second login step: a TOTP code or an unused recovery code gives the session."""
    async with ctx.unit_of_work() as uow:
        passed = await two_factor.pass_challenge(uow.session, body.challenge, body.code)
        if passed is None:
            await uow.session.commit()  # the spent attempt and the failure count
            raise ChatsError("unauthorized", "error.code_wrong")
        staff, store, codes = passed
        result = await auth_service.open_session(
            uow.session, staff, store, ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            old_token=request.cookies.get(SESSION_COOKIE))
    # The browser proved both factors: it becomes one of this login ID's devices.
    result.device_cookie = devices.remember(ctx.settings.secret_key,
                                            request.cookies.get(devices.COOKIE), staff.login_id)
    return session_started(response, ctx, result, recovery_codes=codes)


@router.post("/auth/login/totp/setup", response_model=EnrolmentOut)
async def login_setup(body: ChallengeIn, ctx: Ctx) -> EnrolmentOut:
    """When the store requires a second factor not yet set up: a secret to enrol first."""
    async with ctx.unit_of_work() as uow:
        enrolment = await two_factor.start_challenge_enrolment(uow.session, body.challenge)
        return _enrolment_out(enrolment)


@router.get("/auth/two-factor", response_model=TwoFactorOut)
async def status(auth: CurrentStaff, ctx: Ctx) -> TwoFactorOut:
    """Whether the caller's second factor is on, and whether the store requires it."""
    async with ctx.db.read() as session:
        left = await two_factor.recovery_codes_left(session, auth.staff.id)
    return TwoFactorOut(enabled=auth.staff.totp_secret is not None,
                        required=auth.store.require_two_factor, recovery_codes_left=left)


@router.post("/auth/two-factor/setup", response_model=EnrolmentOut)
async def setup(auth: CurrentStaff, ctx: Ctx) -> EnrolmentOut:
    """Start turning the second factor on: a new secret, as text and QR code."""
    async with ctx.unit_of_work() as uow:
        enrolment = await two_factor.start_own_enrolment(uow.session, auth.staff.id, auth.store)
        return _enrolment_out(enrolment)


@router.post("/auth/two-factor/confirm", response_model=RecoveryCodesOut)
async def confirm(body: CodeIn, auth: CurrentStaff, who: Who, ctx: Ctx) -> RecoveryCodesOut:
    """Turn the second factor on with a first code; answers the ten recovery codes."""
    async with ctx.unit_of_work() as uow:
        codes = await two_factor.turn_on(uow.session, who, auth.staff.id, body.code)
        if codes is None:
            await uow.session.commit()  # the failure counts
            raise ChatsError("bad_frame", "error.code_wrong")
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/auth/two-factor/disable", status_code=204)
async def disable(body: PasswordIn, auth: CurrentStaff, who: Who, ctx: Ctx) -> Response:
    """Turn one's own second factor off (the password is asked again)."""
    if auth.store.require_two_factor:
        raise ChatsError("conflict", "error.two_factor_required")
    await check_current_password(ctx, auth.staff, body.password)
    async with ctx.unit_of_work() as uow:
        await two_factor.turn_off_own(uow.session, who, auth.staff.id)
    return Response(status_code=204)


@router.put("/admin/two-factor", response_model=TwoFactorOut)
async def require(body: RequiredIn, auth: CurrentAdmin, who: Who, ctx: Ctx) -> TwoFactorOut:
    """Require (or stop requiring) a second factor of every staff member of the store."""
    async with ctx.unit_of_work() as uow:
        await two_factor.set_required(uow.session, who, auth.store.id, body.required)
        left = await two_factor.recovery_codes_left(uow.session, auth.staff.id)
    return TwoFactorOut(enabled=auth.staff.totp_secret is not None, required=body.required,
                        recovery_codes_left=left)


@router.delete("/staff/{staff_id}/two-factor", status_code=204)
async def reset(staff_id: str, auth: CurrentAdmin, who: Who, ctx: Ctx) -> Response:
    """Reset a staff member's second factor (a lost phone); they set it up again."""
    async with ctx.unit_of_work() as uow:
        await two_factor.reset(uow.session, who, auth.store.id, staff_id)
    return Response(status_code=204)
