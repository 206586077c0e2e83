"""Opaque identifiers, tokens and the clock: one place so every layer agrees."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable


def new_id() -> str:
    """A new opaque 32-character identifier."""
    return uuid.uuid4().hex


def new_token(nbytes: int = 32) -> str:
    """A new URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def new_store_code() -> str:
    """A new store's widget key (its public code): URL-safe and random, never starting with
    "-", so that operators can pass it to `chats stores …` like any other argument."""
    while True:
        code = secrets.token_urlsafe(18)
        if not code.startswith("-"):
            return code


def token_hash(token: str) -> str:
    """SHA-256 of a bearer token: only hashes are stored, so a leaked database leaks no tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """ISO 8601 UTC with a Z suffix, as the wire contract writes times."""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Clock(Protocol):
    """The time, and a call at a given time (business hours flip by it; tests bring their own)."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def call_at(self, when: datetime, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` on the running loop at `when` (or a little later); returns a cancel."""
        ...


class SystemClock:
    """The real clock: the loop's timers, re-aimed at least hourly (the wall clock may step)."""

    MAX_WAIT = 3600.0
    MARGIN = 0.05  # the loop's timers may fire a hair early

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return utcnow()

    def call_at(self, when: datetime, callback: Callable[[], None]) -> Callable[[], None]:
        """`callback` at `when`, or after an hour: the caller looks again then."""
        delay = min(max(0.0, (when - utcnow()).total_seconds()) + self.MARGIN, self.MAX_WAIT)
        return asyncio.get_running_loop().call_later(delay, callback).cancel
