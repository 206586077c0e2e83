"""The presence contract, over memory always and Redis when CHATS_TEST_REDIS_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chats.broker import (
    MemoryPresence,
    Presence,
    PresenceTable,
    RedisPresence,
    make_presence,
)

REDIS_URL = os.environ.get("CHATS_TEST_REDIS_URL")
BACKENDS = ["memory", "redis"]
TTL = 60.0
GRACE = 15.0


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


MakePresence = Callable[[], Presence]


def backend_factory(backend: str, clock: FakeClock, made: list[Presence]) -> MakePresence:
    """Builds presences that share one backend and one fresh prefix, as processes would."""
    prefix, table = f"test-{uuid.uuid4().hex}", PresenceTable()

    def factory() -> Presence:
        presence: Presence
        if backend == "redis" and REDIS_URL:
            presence = RedisPresence(REDIS_URL, prefix=prefix, ttl=TTL, clock=clock)
        else:
            presence = MemoryPresence(prefix=prefix, ttl=TTL, clock=clock, table=table)
        made.append(presence)
        return presence

    return factory


def skip_without_redis(backend: str) -> None:
    if backend == "redis" and not REDIS_URL:
        pytest.skip("CHATS_TEST_REDIS_URL is not set")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
async def make(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[MakePresence]:
    skip_without_redis(request.param)
    made: list[Presence] = []
    yield backend_factory(request.param, clock, made)
    for presence in made:
        await presence.close()


async def test_processes_see_each_others_staff(make: MakePresence) -> None:
    one, two = make(), make()

    await one.connect("store-1", "alice", "s1")
    await two.connect("store-1", "bob", "s2")

    assert await one.online("store-1") == {"alice", "bob"}
    assert await two.online("store-1") == {"alice", "bob"}


async def test_nobody_is_online_in_a_fresh_store(make: MakePresence) -> None:
    assert await make().online("store-1") == set()


async def test_a_closed_socket_keeps_its_staff_online_for_the_grace_period(
    make: MakePresence, clock: FakeClock
) -> None:
    one, two = make(), make()
    await one.connect("store-1", "alice", "s1")

    await one.disconnect("store-1", "alice", "s1", grace=GRACE)
    clock.advance(GRACE - 0.5)
    assert await two.online("store-1") == {"alice"}

    clock.advance(1)
    assert await two.online("store-1") == set()


async def test_a_reconnect_within_grace_keeps_the_staff_online(
    make: MakePresence, clock: FakeClock
) -> None:
    one, two = make(), make()
    await one.connect("store-1", "alice", "s1")
    await one.disconnect("store-1", "alice", "s1", grace=GRACE)

    clock.advance(GRACE / 2)
    await two.connect("store-1", "alice", "s2")
    clock.advance(GRACE)

    assert await one.online("store-1") == {"alice"}


async def test_closing_one_of_two_sockets_keeps_the_staff_online(
    make: MakePresence, clock: FakeClock
) -> None:
    presence = make()
    await presence.connect("store-1", "alice", "s1")
    await presence.connect("store-1", "alice", "s2")

    await presence.disconnect("store-1", "alice", "s1", grace=0)
    clock.advance(1)

    assert await presence.online("store-1") == {"alice"}


async def test_zero_grace_ends_presence_at_once(make: MakePresence) -> None:
    presence = make()
    await presence.connect("store-1", "alice", "s1")

    await presence.disconnect("store-1", "alice", "s1", grace=0)

    assert await presence.online("store-1") == set()


async def test_logout_removes_every_socket_at_once_across_processes(make: MakePresence) -> None:
    one, two = make(), make()
    await one.connect("store-1", "alice", "s1")
    await one.connect("store-1", "alice", "s2")
    await two.connect("store-1", "alice", "s3")
    await two.connect("store-1", "bob", "s4")
    await one.disconnect("store-1", "alice", "s2", grace=GRACE)

    await two.logout("store-1", "alice")

    assert await one.online("store-1") == {"bob"}


async def test_a_socket_closing_after_logout_does_not_bring_the_staff_back(
    make: MakePresence,
) -> None:
    presence = make()
    await presence.connect("store-1", "alice", "s1")
    await presence.logout("store-1", "alice")

    await presence.disconnect("store-1", "alice", "s1", grace=GRACE)

    assert await presence.online("store-1") == set()


async def test_a_socket_closing_after_it_expired_stays_gone(
    make: MakePresence, clock: FakeClock
) -> None:
    presence = make()
    await presence.connect("store-1", "alice", "s1")
    clock.advance(TTL + 1)

    await presence.disconnect("store-1", "alice", "s1", grace=GRACE)

    assert await presence.online("store-1") == set()


async def test_logout_leaves_staff_whose_id_starts_the_same(make: MakePresence) -> None:
    presence = make()
    await presence.connect("store-1", "al", "s1")
    await presence.connect("store-1", "alice", "s2")

    await presence.logout("store-1", "al")

    assert await presence.online("store-1") == {"alice"}


async def test_a_socket_without_heartbeat_expires_after_ttl(
    make: MakePresence, clock: FakeClock
) -> None:
    crashed, survivor = make(), make()
    await crashed.connect("store-1", "alice", "s1")
    await survivor.connect("store-1", "bob", "s2")

    clock.advance(TTL / 2)
    await survivor.heartbeat("store-1", "bob", "s2")
    clock.advance(TTL / 2 - 1)
    assert await survivor.online("store-1") == {"alice", "bob"}

    clock.advance(2)
    assert await survivor.online("store-1") == {"bob"}


async def test_a_heartbeat_restores_an_expired_socket(make: MakePresence, clock: FakeClock) -> None:
    presence = make()
    await presence.connect("store-1", "alice", "s1")
    clock.advance(TTL + 1)
    assert await presence.online("store-1") == set()

    await presence.heartbeat("store-1", "alice", "s1")

    assert await presence.online("store-1") == {"alice"}


async def test_stores_are_isolated(make: MakePresence) -> None:
    presence = make()
    await presence.connect("store-1", "alice", "s1")
    await presence.connect("store-2", "alice", "s2")
    await presence.connect("store-2", "bob", "s3")

    await presence.logout("store-2", "alice")

    assert await presence.online("store-1") == {"alice"}
    assert await presence.online("store-2") == {"bob"}
    assert await presence.online("store-3") == set()


async def test_prefixes_are_isolated(clock: FakeClock) -> None:
    made: list[Presence] = []
    try:
        for backend in BACKENDS:
            if backend == "redis" and not REDIS_URL:
                continue
            ours = backend_factory(backend, clock, made)()
            theirs = backend_factory(backend, clock, made)()
            await theirs.connect("store-1", "alice", "s1")
            assert await ours.online("store-1") == set()
    finally:
        for presence in made:
            await presence.close()


async def test_a_staff_id_with_the_separator_is_refused(make: MakePresence) -> None:
    with pytest.raises(ValueError, match="staff id"):
        await make().connect("store-1", "a|b", "s1")


async def test_close_is_idempotent(make: MakePresence) -> None:
    presence = make()
    await presence.close()
    await presence.close()


async def test_make_presence_picks_the_backend() -> None:
    memory = make_presence(None, prefix="chats")
    assert isinstance(memory, MemoryPresence)
    await memory.close()
    if REDIS_URL:
        redis = make_presence(REDIS_URL, prefix="chats", ttl=5)
        assert isinstance(redis, RedisPresence)
        await redis.close()


# Against a model of the rule itself -------------------------------------------

STAFF = st.sampled_from(["alice", "bob"])
SOCKETS = st.sampled_from(["s1", "s2", "s3"])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("connect"), STAFF, SOCKETS),
        st.tuples(st.just("heartbeat"), STAFF, SOCKETS),
        st.tuples(st.just("disconnect"), STAFF, SOCKETS, st.integers(0, 30)),
        st.tuples(st.just("logout"), STAFF),
        st.tuples(st.just("advance"), st.integers(0, 90)),
    ),
    max_size=25,
)
Step = tuple[object, ...]


class Model:
    """The presence rule, stated as plainly as possible."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.expiry: dict[tuple[str, str], float] = {}

    def apply(self, step: Step) -> None:
        match step:
            case ("connect" | "heartbeat", str(staff), str(socket)):
                self.expiry[staff, socket] = self.clock() + TTL
            case ("disconnect", str(staff), str(socket), int(grace)):
                if self.expiry.get((staff, socket), 0) > self.clock():
                    self.expiry[staff, socket] = self.clock() + grace
            case ("logout", str(staff)):
                self.expiry = {k: v for k, v in self.expiry.items() if k[0] != staff}
            case ("advance", int(seconds)):
                self.clock.advance(seconds)

    def online(self) -> set[str]:
        return {staff for (staff, _), at in self.expiry.items() if at > self.clock()}


async def apply(presence: Presence, step: Step) -> None:
    match step:
        case ("connect", str(staff), str(socket)):
            await presence.connect("store-1", staff, socket)
        case ("heartbeat", str(staff), str(socket)):
            await presence.heartbeat("store-1", staff, socket)
        case ("disconnect", str(staff), str(socket), int(grace)):
            await presence.disconnect("store-1", staff, socket, grace=grace)
        case ("logout", str(staff)):
            await presence.logout("store-1", staff)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=60, deadline=None)
@given(steps=STEPS)
async def test_online_follows_the_expiry_rule(backend: str, steps: list[Step]) -> None:
    skip_without_redis(backend)
    clock, made = FakeClock(), list[Presence]()
    model = Model(clock)
    try:
        make = backend_factory(backend, clock, made)
        presences = [make(), make()]
        for n, step in enumerate(steps):
            await apply(presences[n % 2], step)
            model.apply(step)
            assert await presences[(n + 1) % 2].online("store-1") == model.online()
    finally:
        for presence in made:
            await presence.close()
