"""Login throttling rules: delays grow, are capped, and are forgotten (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chats.domain.login_throttle import (
    FORGET_AFTER,
    MAX_DELAY,
    Failures,
    delay_after,
    wait_left,
)

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def test_free_failures_cost_nothing_then_delays_double() -> None:
    assert [delay_after(n, 3).total_seconds() for n in range(1, 8)] == [0, 0, 0, 2, 4, 8, 16]
    assert delay_after(50, 3) == MAX_DELAY


@given(st.integers(0, 10_000), st.integers(0, 20))
def test_delays_never_shrink_and_never_pass_the_cap(count: int, free: int) -> None:
    assert timedelta(0) <= delay_after(count, free) <= delay_after(count + 1, free) <= MAX_DELAY


def test_the_wait_runs_from_the_last_failure() -> None:
    failures = Failures()
    for _ in range(4):
        failures = failures.after_failure(T0)
    assert wait_left(failures, 3, T0) == timedelta(seconds=2)
    assert wait_left(failures, 3, T0 + timedelta(seconds=1)) == timedelta(seconds=1)
    assert wait_left(failures, 3, T0 + timedelta(seconds=3)) == timedelta(0)
    assert wait_left(Failures(), 3, T0) == timedelta(0)


def test_an_hour_without_failure_starts_over() -> None:
    failures = Failures(40, T0)
    later = T0 + FORGET_AFTER + timedelta(seconds=1)
    assert failures.current(later) == 0
    assert wait_left(failures, 3, later) == timedelta(0)
    assert failures.after_failure(later) == Failures(1, later)
