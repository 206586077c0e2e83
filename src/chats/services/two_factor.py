"""Second factor (S10): TOTP (RFC 6238), one-time recovery codes, login challenges."""

from __future__ import annotations

import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pyotp
import segno
from sqlalchemy import delete, func, select

from chats.db.models import LoginChallenge, RecoveryCode, Staff, Store
from chats.domain.audit import AuditAction
from chats.errors import ChatsError
from chats.ids import new_token, token_hash, utcnow
from chats.services import attempts, audit
from chats.services.staff import access_staff

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

CHALLENGE_LIFETIME = timedelta(minutes=5)
MAX_CODES_PER_CHALLENGE = 5
# Wrong codes per staff member in 15 minutes, whatever challenge they come with.
MAX_WRONG_CODES = 10
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_DIGITS = re.compile(r"^\d{6}$")


@dataclass
class Enrolment:
    """A secret being set up: shown once as text and as a QR code."""

    secret: str
    uri: str
    qr_svg: str  # a data: URI of an SVG image


def enrolment(secret: str, login_id: str, store_name: str) -> Enrolment:
    """The otpauth URI and its QR code for an authenticator app."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=login_id, issuer_name=f"CHATS {store_name}")
    return Enrolment(secret=secret, uri=uri,
                     qr_svg=segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def start_enrolment(staff: Staff, store: Store) -> Enrolment:
    """A fresh pending secret for the staff member (confirmed by its first code)."""
    staff.totp_pending = pyotp.random_base32()
    return enrolment(staff.totp_pending, staff.login_id, store.name)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    # The current step and one on either side (clock drift); never a step used before.
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def new_recovery_codes() -> list[str]:
    """Ten codes of 12 letters and digits, shown as xxxx-xxxx-xxxx."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


async def replace_recovery_codes(session: AsyncSession, staff_id: str) -> list[str]:
    """New recovery codes (the old ones stop working); only their hashes are kept."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff_id))
    codes = new_recovery_codes()
    session.add_all(RecoveryCode(code_hash=token_hash(_clean(c)), staff_id=staff_id)
                    for c in codes)
    return codes


async def recovery_codes_left(session: AsyncSession, staff_id: str) -> int:
    """How many unused recovery codes the staff member has."""
    count = await session.scalar(select(func.count()).select_from(RecoveryCode)
                                 .where(RecoveryCode.staff_id == staff_id))
    return int(count or 0)


async def _use_recovery_code(session: AsyncSession, staff_id: str, code: str) -> bool:
    # Deleting is using: of two racing uses, one deletes the row and the other finds none.
    done = await session.execute(delete(RecoveryCode).where(
        RecoveryCode.staff_id == staff_id, RecoveryCode.code_hash == token_hash(_clean(code))))
    return bool(getattr(done, "rowcount", 0))


async def check_code(session: AsyncSession, staff: Staff, code: str, *,
                     pending: bool = False) -> bool:
    """True for a valid TOTP code (of the pending secret when `pending`) or an unused
    recovery code; a wrong one is counted against the staff member's budget."""
    key = f"totp:{staff.id}"
    await attempts.refuse_if_locked(session, key)
    secret = staff.totp_pending if pending else staff.totp_secret
    cleaned = _clean(code)
    step = _matching_step(secret, cleaned, staff.totp_last_step) if (
        secret and _DIGITS.match(cleaned)) else None
    if step is not None:
        staff.totp_last_step = step
        return True
    if not pending and await _use_recovery_code(session, staff.id, cleaned):
        return True
    await attempts.record_failure(session, key, MAX_WRONG_CODES)
    return False


async def confirm_enrolment(session: AsyncSession, staff: Staff,
                            code: str) -> list[str] | None:
    """Turn the second factor on with the pending secret's first code: the recovery codes,
    or None for a wrong code (counted)."""
    if not staff.totp_pending:
        raise ChatsError("conflict", "error.two_factor_not_started")
    if not await check_code(session, staff, code, pending=True):
        return None
    staff.totp_secret, staff.totp_pending = staff.totp_pending, None
    return await replace_recovery_codes(session, staff.id)


async def turn_off(session: AsyncSession, staff: Staff) -> None:
    """Forget the secret, the pending one and the recovery codes."""
    staff.totp_secret = staff.totp_pending = None
    staff.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))


def second_factor_needed(staff: Staff, store: Store) -> str | None:
    """"totp" when the staff member has it on, "setup" when the store requires it first."""
    if staff.totp_secret:
        return "totp"
    return "setup" if store.require_two_factor else None


async def open_challenge(session: AsyncSession, staff_id: str) -> str:
    """A login waiting for its second factor; the token goes to the client."""
    # Expired challenges of the staff member go now, so the table stays small.
    await session.execute(delete(LoginChallenge).where(LoginChallenge.staff_id == staff_id,
                                                       LoginChallenge.expires_at <= utcnow()))
    token = new_token()
    session.add(LoginChallenge(id=token_hash(token), staff_id=staff_id,
                               expires_at=utcnow() + CHALLENGE_LIFETIME))
    return token


async def take_challenge(session: AsyncSession, token: str) -> tuple[LoginChallenge, Staff]:
    """The live challenge and its staff member, one more attempt spent; else 401."""
    row = await session.get(LoginChallenge, token_hash(token))
    staff = await session.get(Staff, row.staff_id) if row else None
    if row is None or staff is None or not staff.active or row.expires_at <= utcnow() \
            or row.attempts >= MAX_CODES_PER_CHALLENGE:
        raise ChatsError("unauthorized", "error.challenge_expired")
    row.attempts += 1
    return row, staff


async def pass_challenge(session: AsyncSession, token: str,
                         code: str) -> tuple[Staff, Store, list[str] | None] | None:
    """The second login step: the staff member, store and (when this code finished the set-up
    the store required) the new recovery codes; None for a wrong code.

    The challenge is used up on success. A wrong code's spent attempt and failure count are
    written to the session; the caller commits them before refusing.
    """
    challenge, staff = await take_challenge(session, token)
    codes: list[str] | None = None
    if staff.totp_secret is None:  # the store required it: this code finishes set-up
        codes = await confirm_enrolment(session, staff, code)
        ok = codes is not None
    else:
        ok = await check_code(session, staff, code)
    if not ok:
        return None
    await session.delete(challenge)
    store = await session.get(Store, staff.store_id)
    assert store is not None
    return staff, store, codes


# The staff member's own switch and the admin's controls: each action audited.

async def own_staff(session: AsyncSession, staff_id: str) -> Staff:
    """The caller's own row; 401 when it has gone meanwhile."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise ChatsError("unauthorized")
    return staff


async def start_own_enrolment(session: AsyncSession, staff_id: str, store: Store) -> Enrolment:
    """A new pending secret for the caller; 409 when the second factor is already on."""
    staff = await own_staff(session, staff_id)
    if staff.totp_secret is not None:
        raise ChatsError("conflict", "error.two_factor_on")
    return start_enrolment(staff, store)


async def start_challenge_enrolment(session: AsyncSession, token: str) -> Enrolment:
    """A pending secret for a login whose store requires a second factor not yet set up."""
    _challenge, staff = await take_challenge(session, token)
    store = await session.get(Store, staff.store_id)
    if staff.totp_secret is not None or store is None:
        raise ChatsError("conflict", "error.two_factor_on")
    return start_enrolment(staff, store)


async def turn_on(session: AsyncSession, actor: audit.Actor, staff_id: str,
                  code: str) -> list[str] | None:
    """Turn the caller's second factor on: the recovery codes, or None for a wrong code.

    A wrong code is counted; the caller commits that before refusing.
    """
    staff = await own_staff(session, staff_id)
    codes = await confirm_enrolment(session, staff, code)
    if codes is not None:
        audit.record(session, actor, AuditAction.TWO_FACTOR_ENABLED, target_type="staff",
                     target_id=staff.id)
    return codes


async def turn_off_own(session: AsyncSession, actor: audit.Actor, staff_id: str) -> None:
    """Turn the caller's own second factor off (the password checked before)."""
    await turn_off(session, await own_staff(session, staff_id))
    audit.record(session, actor, AuditAction.TWO_FACTOR_DISABLED, target_type="staff",
                 target_id=staff_id)


async def set_required(session: AsyncSession, actor: audit.Actor, store_id: str,
                       required: bool) -> None:
    """Require (or stop requiring) a second factor of the store's staff; a change is audited."""
    store = await session.get(Store, store_id)
    assert store is not None  # the caller's own store
    if store.require_two_factor != required:
        audit.record(session, actor, AuditAction.TWO_FACTOR_REQUIRED,
                     details={"required": required})
    store.require_two_factor = required


async def reset(session: AsyncSession, actor: audit.Actor, store_id: str, staff_id: str) -> None:
    """The admin resets a staff member's second factor (a lost phone); they set it up again."""
    staff = await access_staff(session, store_id, staff_id)
    await turn_off(session, staff)
    audit.record(session, actor, AuditAction.STAFF_TWO_FACTOR_RESET, target_type="staff",
                 target_id=staff.id, details={"login_id": staff.login_id})
