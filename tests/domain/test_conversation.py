"""The conversation state machine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.conversation import (
    OPEN_STATUSES,
    TRANSITIONS,
    ConversationEvent,
    ConversationKind,
    ConversationStatus,
    EndReason,
    InvalidTransition,
    allowed_events,
    end_reason,
    is_open,
    transition,
)

W, A, E = ConversationStatus.WAITING, ConversationStatus.ACTIVE, ConversationStatus.ENDED
Ev = ConversationEvent

ALLOWED = [
    (W, Ev.CLAIM, A),
    (W, Ev.END, E),
    (W, Ev.GUEST_LEFT, E),
    (W, Ev.BLACKLIST, E),
    (A, Ev.TRANSFER, A),
    (A, Ev.END, E),
    (A, Ev.GUEST_LEFT, E),
    (A, Ev.BLACKLIST, E),
    (A, Ev.RELEASE, W),
]
REFUSED = [
    (W, Ev.TRANSFER),
    (W, Ev.RELEASE),
    (A, Ev.CLAIM),
    *((E, event) for event in ConversationEvent),
]


def test_wire_values() -> None:
    assert [s.value for s in ConversationStatus] == ["waiting", "active", "ended"]
    assert {r.value for r in EndReason} == {
        "guest_left",
        "staff_ended",
        "blacklisted",
        "missed",
        "message_left",
        "offline_reply",
    }
    assert [k.value for k in ConversationKind] == ["chat", "message", "offline"]


def test_open_statuses_are_those_is_open_accepts() -> None:
    assert set(OPEN_STATUSES) == {s for s in ConversationStatus if is_open(s)}


@pytest.mark.parametrize(("status", "event", "expected"), ALLOWED)
def test_allowed_transitions(
    status: ConversationStatus, event: ConversationEvent, expected: ConversationStatus
) -> None:
    assert transition(status, event) is expected


@pytest.mark.parametrize(("status", "event"), REFUSED)
def test_refused_transitions(status: ConversationStatus, event: ConversationEvent) -> None:
    with pytest.raises(InvalidTransition) as caught:
        transition(status, event)
    assert caught.value.status is status
    assert caught.value.event is event
    assert str(event) in str(caught.value)
    assert str(status) in str(caught.value)


def test_table_covers_every_pair_exactly_once() -> None:
    every_pair = {(s, e) for s in ConversationStatus for e in ConversationEvent}
    assert set(TRANSITIONS) == {(s, e) for s, e, _ in ALLOWED}
    assert set(TRANSITIONS) | set(REFUSED) == every_pair
    assert not set(TRANSITIONS) & set(REFUSED)


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[(E, Ev.CLAIM)] = W  # type: ignore[index]


def test_plain_strings_work_like_members() -> None:
    # Values read back from the database arrive as plain strings.
    assert transition(ConversationStatus("waiting"), ConversationEvent("claim")) is A


def test_allowed_events() -> None:
    assert allowed_events(W) == {Ev.CLAIM, Ev.END, Ev.GUEST_LEFT, Ev.BLACKLIST}
    assert allowed_events(A) == {Ev.TRANSFER, Ev.END, Ev.GUEST_LEFT, Ev.BLACKLIST, Ev.RELEASE}
    assert allowed_events(E) == frozenset()


def test_is_open() -> None:
    assert is_open(W)
    assert is_open(A)
    assert not is_open(E)


@pytest.mark.parametrize(
    ("status", "event", "reason"),
    [
        (W, Ev.GUEST_LEFT, EndReason.MISSED),
        (A, Ev.GUEST_LEFT, EndReason.GUEST_LEFT),
        (W, Ev.END, EndReason.STAFF_ENDED),
        (A, Ev.END, EndReason.STAFF_ENDED),
        (W, Ev.BLACKLIST, EndReason.BLACKLISTED),
        (A, Ev.BLACKLIST, EndReason.BLACKLISTED),
    ],
)
def test_end_reason(
    status: ConversationStatus, event: ConversationEvent, reason: EndReason
) -> None:
    assert end_reason(status, event) is reason


@pytest.mark.parametrize(
    ("status", "event"),
    [(W, Ev.CLAIM), (A, Ev.TRANSFER), (A, Ev.RELEASE), (E, Ev.END), (E, Ev.GUEST_LEFT)]
)
def test_end_reason_refuses_events_that_do_not_end(
    status: ConversationStatus, event: ConversationEvent
) -> None:
    with pytest.raises(InvalidTransition):
        end_reason(status, event)


@given(
    start=st.sampled_from(ConversationStatus),
    events=st.lists(st.sampled_from(ConversationEvent), max_size=20),
)
def test_random_event_sequences_follow_the_table(
    start: ConversationStatus, events: list[ConversationEvent]
) -> None:
    status = start
    for event in events:
        before = status
        try:
            status = transition(status, event)
        except InvalidTransition:
            assert (before, event) not in TRANSITIONS
            continue
        assert TRANSITIONS[(before, event)] is status
        assert before is not E, "ended must be terminal"
        # Only a claim moves out of waiting into active.
        if before is W and status is A:
            assert event is Ev.CLAIM
        # Only a release (its staff member can no longer answer) sends it back to waiting.
        if before is A and status is W:
            assert event is Ev.RELEASE


@given(events=st.lists(st.sampled_from(ConversationEvent), max_size=20))
def test_once_ended_nothing_changes(events: list[ConversationEvent]) -> None:
    for event in events:
        with pytest.raises(InvalidTransition):
            transition(E, event)
