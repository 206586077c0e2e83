"""Store availability, staff capacity and staff status."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.availability import (
    MAX_CHATS_LIMIT,
    MIN_CHATS_LIMIT,
    Availability,
    StaffLoad,
    StaffStatus,
    guest_availability,
    has_capacity,
    staff_status,
    store_availability,
    validate_max_chats,
)


def load(active: int, limit: int, staff_id: str = "s") -> StaffLoad:
    return StaffLoad(staff_id=staff_id, active_chats=active, max_chats=limit)


loads = st.builds(
    StaffLoad,
    staff_id=st.text(min_size=1, max_size=4),
    active_chats=st.integers(min_value=0, max_value=12),
    max_chats=st.integers(min_value=0, max_value=12),
)
free_loads = st.integers(min_value=MIN_CHATS_LIMIT, max_value=MAX_CHATS_LIMIT).flatmap(
    lambda limit: st.builds(
        StaffLoad,
        staff_id=st.just("free"),
        active_chats=st.integers(min_value=0, max_value=limit - 1),
        max_chats=st.just(limit),
    )
)


def test_nobody_online_is_away() -> None:
    assert store_availability([]) is Availability.AWAY


def test_one_free_slot_is_waiting() -> None:
    assert store_availability([load(3, 3, "a"), load(1, 2, "b")]) is Availability.WAITING


def test_everyone_full_is_busy() -> None:
    assert store_availability([load(3, 3, "a"), load(9, 9, "b")]) is Availability.BUSY


def test_the_hard_limit_applies_to_the_store() -> None:
    # A stored limit above 9 must not keep the button on "waiting".
    assert store_availability([load(9, 12)]) is Availability.BUSY


def test_accepts_a_one_shot_iterable() -> None:
    assert store_availability(iter([load(3, 3), load(0, 1)])) is Availability.WAITING


def test_blacklisted_guest_sees_away_even_with_free_staff() -> None:
    assert guest_availability([load(0, 5)], blacklisted=True) is Availability.AWAY
    assert guest_availability([load(0, 5)], blacklisted=False) is Availability.WAITING
    assert guest_availability([load(5, 5)], blacklisted=False) is Availability.BUSY


@pytest.mark.parametrize(
    ("active", "limit", "expected"),
    [
        (0, 1, True),
        (0, 0, False),
        (2, 3, True),
        (3, 3, False),
        (4, 3, False),
        (8, 12, True),
        (9, 12, False),
        (9, 9, False),
    ],
)
def test_has_capacity(active: int, limit: int, expected: bool) -> None:
    assert has_capacity(load(active, limit)) is expected


@pytest.mark.parametrize("n", [1, 5, 9])
def test_validate_max_chats_accepts(n: int) -> None:
    assert validate_max_chats(n) == n


@pytest.mark.parametrize("n", [0, -1, 10, 100, True])
def test_validate_max_chats_refuses(n: int) -> None:
    with pytest.raises(ValueError, match="max_chats"):
        validate_max_chats(n)


def test_negative_active_chats_refused() -> None:
    with pytest.raises(ValueError, match="active_chats"):
        load(-1, 3)


@pytest.mark.parametrize(
    ("active", "replying", "expected"),
    [
        (0, False, StaffStatus.WAITING),
        (0, True, StaffStatus.REPLYING),
        (1, False, StaffStatus.CHATTING),
        (2, True, StaffStatus.CHATTING),
    ],
)
def test_staff_status(active: int, replying: bool, expected: StaffStatus) -> None:
    assert staff_status(active, replying) is expected


@given(online=st.lists(loads, max_size=8), extra=free_loads)
def test_adding_staff_with_a_free_slot_makes_the_store_waiting(
    online: list[StaffLoad], extra: StaffLoad
) -> None:
    assert store_availability([*online, extra]) is Availability.WAITING
    assert store_availability([extra, *online]) is Availability.WAITING


@given(online=st.lists(loads, max_size=8), extra=loads)
def test_adding_anyone_online_never_makes_the_store_away(
    online: list[StaffLoad], extra: StaffLoad
) -> None:
    assert store_availability([*online, extra]) is not Availability.AWAY


@given(online=st.lists(loads, max_size=8))
def test_availability_matches_its_definition(online: list[StaffLoad]) -> None:
    expected = (
        Availability.AWAY
        if not online
        else Availability.WAITING
        if any(x.active_chats < min(x.max_chats, 9) for x in online)
        else Availability.BUSY
    )
    assert store_availability(online) is expected


@given(online=st.lists(loads, max_size=8))
def test_blacklisted_is_always_away(online: list[StaffLoad]) -> None:
    assert guest_availability(online, blacklisted=True) is Availability.AWAY
    assert guest_availability(online, blacklisted=False) is store_availability(online)


@given(online=st.lists(loads, max_size=8), data=st.data())
def test_availability_does_not_depend_on_order(
    online: list[StaffLoad], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(online))
    assert store_availability(online) is store_availability(shuffled)


@given(active=st.integers(min_value=0, max_value=50), limit=st.integers(min_value=-5, max_value=50))
def test_capacity_never_exceeds_the_hard_limit(active: int, limit: int) -> None:
    if has_capacity(load(active, limit)):
        assert active + 1 <= MAX_CHATS_LIMIT
        assert active + 1 <= limit


@given(active=st.integers(min_value=0, max_value=20), replying=st.booleans())
def test_staff_with_a_chat_is_always_chatting(active: int, replying: bool) -> None:
    status = staff_status(active, replying)
    assert (status is StaffStatus.CHATTING) == (active > 0)
