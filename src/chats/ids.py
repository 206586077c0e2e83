"""Opaque identifiers, tokens and the clock: one place so every layer agrees."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A new opaque 32-character identifier."""
    return uuid.uuid4().hex


def new_token(nbytes: int = 32) -> str:
    """A new URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """SHA-256 of a bearer token: only hashes are stored, so a leaked database leaks no tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """ISO 8601 UTC with a Z suffix, as the wire contract writes times."""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
