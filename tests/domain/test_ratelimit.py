"""The token bucket."""

from __future__ import annotations

import math
from itertools import accumulate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.ratelimit import TokenBucket, guest_send_bucket, typing_bucket

# Hypothesis floats are arbitrary; allow for float rounding in the bound.
EPS = 1e-6


def test_starts_full_and_refuses_when_empty() -> None:
    bucket = TokenBucket(capacity=3, refill_per_second=1)
    assert [bucket.try_take(100.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.tokens == 0


def test_refills_with_time_up_to_capacity() -> None:
    bucket = TokenBucket(capacity=2, refill_per_second=2)
    assert bucket.try_take(10.0) and bucket.try_take(10.0)
    assert not bucket.try_take(10.25)  # half a token
    assert bucket.try_take(10.5)
    assert bucket.try_take(1000.0) and bucket.try_take(1000.0)
    assert not bucket.try_take(1000.0)  # capped at capacity, not 1000 s worth


def test_refused_attempts_do_not_cost() -> None:
    bucket = TokenBucket(capacity=1, refill_per_second=1)
    assert bucket.try_take(0.0)
    assert not bucket.try_take(0.5)
    assert bucket.try_take(1.0)


def test_cost() -> None:
    bucket = TokenBucket(capacity=5, refill_per_second=1)
    assert bucket.try_take(0.0, cost=4)
    assert not bucket.try_take(0.0, cost=2)
    assert bucket.try_take(0.0, cost=1)
    assert not TokenBucket(5, 1).try_take(0.0, cost=6)


def test_clock_stepping_back_mints_nothing() -> None:
    bucket = TokenBucket(capacity=1, refill_per_second=1)
    assert bucket.try_take(10.0)
    assert not bucket.try_take(5.0)
    assert not bucket.try_take(10.5)
    assert bucket.try_take(11.0)


def test_retry_after() -> None:
    bucket = TokenBucket(capacity=2, refill_per_second=4)
    assert bucket.retry_after(0.0) == 0.0
    bucket.try_take(0.0, cost=2)
    assert bucket.retry_after(0.0) == pytest.approx(0.25)
    assert bucket.retry_after(0.0, cost=3) == math.inf
    assert TokenBucket(1, 0).retry_after(0.0, cost=2) == math.inf


@pytest.mark.parametrize(
    ("capacity", "refill"), [(0, 1), (-1, 1), (math.inf, 1), (1, -1), (1, math.nan)]
)
def test_bad_configuration_refused(capacity: float, refill: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucket(capacity, refill)


@pytest.mark.parametrize("cost", [-1.0, math.nan, math.inf])
def test_bad_cost_refused(cost: float) -> None:
    with pytest.raises(ValueError, match="cost"):
        TokenBucket(1, 1).try_take(0.0, cost)


def test_guest_send_meets_protocol_minimum() -> None:
    # Protocol §3: a burst of 30, then 3 per second sustained for a minute.
    bucket = guest_send_bucket()
    start = 5_000.0
    assert all(bucket.try_take(start) for _ in range(30))
    assert all(bucket.try_take(start + i / 3) for i in range(1, 181))


def test_typing_meets_protocol_minimum() -> None:
    bucket = typing_bucket()
    assert all(bucket.try_take(i / 10) for i in range(600))


def test_guest_send_does_stop_a_flood() -> None:
    bucket = guest_send_bucket()
    taken = sum(bucket.try_take(0.0) for _ in range(1000))
    assert 30 <= taken < 1000


@given(
    capacity=st.integers(min_value=1, max_value=20),
    refill=st.floats(min_value=0, max_value=20, allow_nan=False),
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=2, allow_nan=False),
            st.sampled_from([0.5, 1.0, 2.0, 3.0]),
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_never_more_than_capacity_plus_refill_in_any_window(
    capacity: int, refill: float, steps: list[tuple[float, float]]
) -> None:
    bucket = TokenBucket(capacity, refill)
    times = list(accumulate(gap for gap, _ in steps))
    costs = [cost for _, cost in steps]
    pairs = zip(times, costs, strict=True)
    taken = [cost if bucket.try_take(t, cost) else 0.0 for t, cost in pairs]
    for i in range(len(times)):
        window = 0.0
        for j in range(i, len(times)):
            window += taken[j]
            assert window <= capacity + refill * (times[j] - times[i]) + EPS


@given(
    capacity=st.integers(min_value=1, max_value=20),
    refill=st.floats(min_value=0.1, max_value=20),
    times=st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=30),
)
def test_tokens_stay_between_zero_and_capacity(
    capacity: int, refill: float, times: list[float]
) -> None:
    bucket = TokenBucket(capacity, refill)
    for t in times:  # unsorted on purpose: the clock may jump either way
        bucket.try_take(t)
        assert 0 <= bucket.tokens <= capacity


@given(
    capacity=st.integers(min_value=1, max_value=20),
    refill=st.floats(min_value=0.1, max_value=20),
    cost=st.floats(min_value=0.1, max_value=20),
)
def test_retry_after_is_when_the_take_succeeds(capacity: int, refill: float, cost: float) -> None:
    bucket = TokenBucket(capacity, refill)
    bucket.try_take(0.0, cost=capacity)
    wait = bucket.retry_after(0.0, cost)
    if cost > capacity:
        assert wait == math.inf
        return
    assert wait > 0
    assert not bucket.try_take(wait * 0.99, cost)
    assert bucket.try_take(wait + EPS, cost)
