"""A pure token bucket: the caller passes monotonic time in, nothing reads a clock."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

# Protocol §3 asks for at least a burst of 30 guest messages, 3 per second
# sustained, and 10 typing frames per second. The margins absorb client timer
# jitter so that a well-behaved client never hits the limit.
GUEST_SEND_BURST: Final = 40.0
GUEST_SEND_PER_SECOND: Final = 4.0
TYPING_BURST: Final = 20.0
TYPING_PER_SECOND: Final = 12.0


@dataclass(slots=True)
class TokenBucket:
    """Allows bursts of `capacity`, refilled at `refill_per_second`; starts full."""

    capacity: float
    refill_per_second: float
    # State: changed only by try_take. updated_at is None until the first call
    # because the caller's monotonic clock has no meaningful zero.
    tokens: float = field(init=False)
    updated_at: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        """Check the configuration and fill the bucket."""
        if not (math.isfinite(self.capacity) and self.capacity > 0):
            raise ValueError(f"capacity must be finite and > 0, got {self.capacity}")
        if not (math.isfinite(self.refill_per_second) and self.refill_per_second >= 0):
            rate = self.refill_per_second
            raise ValueError(f"refill_per_second must be finite and >= 0, got {rate}")
        self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        """Add the tokens earned since the last call."""
        if self.updated_at is not None and now > self.updated_at:
            earned = (now - self.updated_at) * self.refill_per_second
            self.tokens = min(self.capacity, self.tokens + earned)
        # A clock that steps back must not mint tokens twice for the same span.
        if self.updated_at is None or now > self.updated_at:
            self.updated_at = now

    def try_take(self, now: float, cost: float = 1.0) -> bool:
        """Take `cost` tokens at time `now` if there are enough; report whether it did."""
        if not (math.isfinite(cost) and cost >= 0):
            raise ValueError(f"cost must be finite and >= 0, got {cost}")
        self._refill(now)
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True

    def retry_after(self, now: float, cost: float = 1.0) -> float:
        """Seconds from `now` until `cost` tokens are available (inf if never)."""
        self._refill(now)
        missing = cost - self.tokens
        if missing <= 0:
            return 0.0
        if cost > self.capacity or self.refill_per_second == 0:
            return math.inf
        return missing / self.refill_per_second


@dataclass(frozen=True, slots=True)
class Rule:
    """A named budget shared by a key's requests: bursts of `capacity`, refilled at `per_second`."""

    name: str
    capacity: float
    per_second: float

    def __post_init__(self) -> None:
        """Refuse a rule that could never refill (its keys would be kept forever)."""
        if not (self.capacity > 0 and self.per_second > 0):
            raise ValueError(f"rule {self.name}: capacity and per_second must be > 0")

    @property
    def full_after(self) -> float:
        """Seconds an untouched bucket takes to fill up again (then it can be forgotten)."""
        return self.capacity / self.per_second


def guest_send_bucket() -> TokenBucket:
    """The bucket for a guest's `send` and `leave_message` frames."""
    return TokenBucket(GUEST_SEND_BURST, GUEST_SEND_PER_SECOND)


def typing_bucket() -> TokenBucket:
    """The bucket for `typing` frames (the live draft, S4.1)."""
    return TokenBucket(TYPING_BURST, TYPING_PER_SECOND)
