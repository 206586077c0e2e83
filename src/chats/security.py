"""Passwords (argon2) and constant-time comparisons."""

from __future__ import annotations

import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the login ID is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("an unused password for timing parity")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown account costs the same time."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def same(a: str | None, b: str | None) -> bool:
    """Constant-time string equality (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
