"""Queue order, queue positions and transfer rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.availability import StaffLoad
from chats.domain.queue import (
    QueuedConversation,
    TransferRefusal,
    can_transfer,
    estimate_wait,
    order_queue,
    queue_position,
)

T0 = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)


def queued(conversation_id: str, seconds: float) -> QueuedConversation:
    since = T0 + timedelta(seconds=seconds)
    return QueuedConversation(conversation_id, f"g-{conversation_id}", "nick", since)


zones = st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))])
queues = st.lists(
    st.tuples(
        st.text(alphabet="abcdef", min_size=1, max_size=3),
        st.integers(min_value=0, max_value=5),  # few distinct times → many ties
        zones,
    ),
    max_size=12,
    unique_by=lambda t: t[0],
).map(
    lambda rows: [
        QueuedConversation(cid, "g", "n", (T0 + timedelta(seconds=s)).astimezone(tz))
        for cid, s, tz in rows
    ]
)


def test_oldest_first() -> None:
    items = [queued("c", 30), queued("a", 10), queued("b", 20)]
    assert [q.conversation_id for q in order_queue(items)] == ["a", "b", "c"]


def test_ties_broken_by_conversation_id() -> None:
    items = [queued("z", 0), queued("m", 0), queued("a", 5)]
    assert [q.conversation_id for q in order_queue(items)] == ["m", "z", "a"]


def test_time_zones_compare_as_instants() -> None:
    tokyo = timezone(timedelta(hours=9))
    later_in_utc = QueuedConversation("a", "g", "n", T0 + timedelta(seconds=1))
    earlier_in_tokyo = QueuedConversation("b", "g", "n", T0.astimezone(tokyo))
    assert order_queue([later_in_utc, earlier_in_tokyo]) == [earlier_in_tokyo, later_in_utc]


def test_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        QueuedConversation("a", "g", "n", datetime(2024, 4, 1, 9, 0))  # noqa: DTZ001


def test_queue_position() -> None:
    items = [queued("c", 30), queued("a", 10), queued("b", 20)]
    assert queue_position(items, "a") == 1
    assert queue_position(items, "b") == 2
    assert queue_position(items, "c") == 3
    assert queue_position(items, "missing") is None
    assert queue_position([], "a") is None


@given(items=queues, data=st.data())
def test_order_is_independent_of_input_order(
    items: list[QueuedConversation], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(items))
    assert order_queue(shuffled) == order_queue(items)


@given(items=queues)
def test_order_is_sorted_and_total(items: list[QueuedConversation]) -> None:
    ordered = order_queue(items)
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    for earlier, later in pairwise(ordered):
        # Strictly increasing in (since, id): no two items are ever "equal".
        assert (earlier.since, earlier.conversation_id) < (later.since, later.conversation_id)


@given(items=queues)
def test_positions_are_one_to_n_without_gaps(items: list[QueuedConversation]) -> None:
    positions = [queue_position(items, q.conversation_id) for q in items]
    assert sorted(p for p in positions if p is not None) == list(range(1, len(items) + 1))
    for item in order_queue(items):
        position = queue_position(items, item.conversation_id)
        assert position is not None
        assert order_queue(items)[position - 1] is item


@given(items=queues)
def test_nobody_waiting_longer_is_behind(items: list[QueuedConversation]) -> None:
    for a in items:
        for b in items:
            pos_a = queue_position(items, a.conversation_id)
            pos_b = queue_position(items, b.conversation_id)
            assert pos_a is not None and pos_b is not None
            if a.since < b.since:
                assert pos_a < pos_b


FREE = StaffLoad("t", active_chats=1, max_chats=3)
FULL = StaffLoad("t", active_chats=3, max_chats=3)


@pytest.mark.parametrize(
    ("target", "online", "same", "expected"),
    [
        (FREE, True, False, None),
        (None, True, False, TransferRefusal.NOT_FOUND),
        (None, False, True, TransferRefusal.NOT_FOUND),
        (FREE, True, True, TransferRefusal.SAME_STAFF),
        (FULL, True, True, TransferRefusal.SAME_STAFF),
        (FREE, False, False, TransferRefusal.NOT_ONLINE),
        (FULL, False, False, TransferRefusal.NOT_ONLINE),
        (FULL, True, False, TransferRefusal.CAPACITY_FULL),
        (StaffLoad("t", 9, 12), True, False, TransferRefusal.CAPACITY_FULL),
    ],
)
def test_can_transfer(
    target: StaffLoad | None, online: bool, same: bool, expected: TransferRefusal | None
) -> None:
    assert can_transfer(target, online=online, same_staff=same) is expected


def test_refusal_values() -> None:
    assert {r.value for r in TransferRefusal} == {
        "not_online",
        "capacity_full",
        "same_staff",
        "not_found",
    }


@given(
    active=st.integers(min_value=0, max_value=12),
    limit=st.integers(min_value=0, max_value=12),
    online=st.booleans(),
    same=st.booleans(),
)
def test_transfer_allowed_only_to_another_online_staff_with_room(
    active: int, limit: int, online: bool, same: bool
) -> None:
    target = StaffLoad("t", active, limit)
    allowed = can_transfer(target, online=online, same_staff=same) is None
    assert allowed == (online and not same and active < min(limit, 9))


def test_no_waits_no_estimate() -> None:
    assert estimate_wait([]) is None


@pytest.mark.parametrize(("waits", "expected"), [
    ([60.0], 60), ([60.0, 300.0, 120.0], 120), ([10.0, 20.0], 15), ([0.2], 1), ([-3.0, 4.0], 2),
])
def test_estimate_is_the_median_rounded_up(waits: list[float], expected: int) -> None:
    assert estimate_wait(waits) == expected


@given(st.lists(st.floats(min_value=0, max_value=86_400), min_size=1, max_size=40))
def test_estimate_lies_within_the_waits(waits: list[float]) -> None:
    estimate = estimate_wait(waits)
    assert estimate is not None
    assert min(waits) <= estimate <= max(waits) + 1
    if len(waits) >= 2:
        # one forgotten chat that waited all night cannot drag the estimate with it
        assert estimate_wait([*waits, 10.0**9]) <= max(waits) + 1  # type: ignore[operator]
