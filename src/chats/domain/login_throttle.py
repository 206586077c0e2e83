"""Login throttling rules: progressive delays after failures, never a lock-out (pure).

Failures are counted per key — the login ID tried, the client address, the trusted
device. Past a few free failures each further one makes the key wait before it may
try again: 1 s, 2 s, 4 s … up to 15 minutes. A key with no failure for an hour starts
over. docs/decisions/0001-login-throttling.md explains the choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

FREE_FAILURES_ACCOUNT: Final = 3
"""Failures on one login ID (from devices it never logged in on) before delays start."""
FREE_FAILURES_ADDRESS: Final = 10
"""Failures from one address, whatever login ID, before delays start (the address cap)."""
FREE_FAILURES_DEVICE: Final = 5
"""Failures a trusted device may make before it waits like any other."""
MAX_DELAY: Final = timedelta(minutes=15)
FORGET_AFTER: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Failures:
    """The failure count of one key and when the last one happened."""

    count: int = 0
    last_at: datetime | None = None

    def current(self, now: datetime) -> int:
        """The count still in force at `now` (an hour without failure forgets them)."""
        if self.last_at is None or now - self.last_at > FORGET_AFTER:
            return 0
        return self.count

    def after_failure(self, now: datetime) -> Failures:
        """The counter once one more failure happened at `now`."""
        return Failures(self.current(now) + 1, now)


def delay_after(count: int, free: int) -> timedelta:
    """How long a key must wait after its `count`-th failure (zero while they are free)."""
    if count <= free:
        return timedelta(0)
    step = min(count - free, 20)  # 2**20 s is far past the cap already
    return min(timedelta(seconds=2**step), MAX_DELAY)


def wait_left(failures: Failures, free: int, now: datetime) -> timedelta:
    """How long from `now` until the key may try again (zero: it may try now)."""
    if failures.last_at is None:
        return timedelta(0)
    count = failures.current(now)
    until = failures.last_at + delay_after(count, free)
    return max(until - now, timedelta(0))
