"""Hostile frames at both sockets of a server process, beside a conversation that must not notice.

`CHATS_FUZZ_FRAMES` sets how many frames (default 4,000; `make fuzz` sends 100,000) and
`CHATS_FUZZ_SEED` replays a run: the seed is printed, and every round of examples uses
the seed plus its number.
"""

from __future__ import annotations

import asyncio
import os
import random
import time

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.database import InMemoryExampleDatabase
from websockets.asyncio.client import connect

from chats.db.engine import Database
from tests.factories import StoreInfo, create_staff, create_store
from tests.fuzz.harness import ServerLog, Tally, Target, play, problems, rss_kib
from tests.fuzz.strategies import Session, sessions
from tests.realtime.clients import Guest, Staff
from tests.servers import ProcessServer, wait_for

FRAMES = int(os.environ.get("CHATS_FUZZ_FRAMES", "4000"))
SEED = int(os.environ.get("CHATS_FUZZ_SEED", str(random.randrange(2**32))))
ROUND = 40  # sessions per hypothesis run; each round has its own seed
CONTROL_MESSAGES = 30  # per side
# The server process starts near 100 MiB; frames refused must not pile up in it.
RSS_GROWTH_LIMIT_KIB = 150 * 1024


# A failing session may hold a 60 KiB string: hypothesis warns as it prints it.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
async def test_fuzz_both_sockets_beside_a_conversation(fuzz_server: ProcessServer,
                                                       db: Database) -> None:
    print(f"\nfuzz: {FRAMES} frames, seed {SEED} (replay with CHATS_FUZZ_SEED={SEED})")
    home = await create_store(db)  # the control conversation's store; fuzz guests come here
    other = await create_store(db)  # fuzz staff belong here, and name the home store's ids
    await create_staff(db, store_id=other.store_id, login_id=f"fuzz-{other.store_id[:8]}")
    guest, staff, cid = await _control_chat(fuzz_server, home)
    ids = [cid, guest.guest_id, home.admin_id, home.store_id, other.admin_id, "", "x" * 64]
    target = Target(fuzz_server.url, fuzz_server.ws_url,
                    await Staff.login(fuzz_server.url, other.admin_login))
    assert fuzz_server.proc is not None
    pid = fuzz_server.proc.pid
    rss_at_start, _ = rss_kib(pid)
    log = ServerLog(fuzz_server.log_path)  # type: ignore[arg-type]
    tally = Tally()
    started = time.monotonic()
    control = asyncio.create_task(_converse(guest, staff, cid, tally))
    try:
        await asyncio.to_thread(_fuzz, target, [home.widget_key, other.widget_key], ids, tally,
                                log, pid)
    finally:
        tally.done.set()
    await control
    elapsed = time.monotonic() - started
    _report(tally, elapsed, rss_at_start)

    assert tally.frames >= FRAMES
    assert problems(log.records + log.read()) == []
    assert tally.peak_rss_kib - rss_at_start < RSS_GROWTH_LIMIT_KIB
    # One warning line at most per offending socket, whatever it sent.
    warned = [r["socket"] for r in log.records if r.get("logger") == "chats.realtime.session"]
    assert len(warned) == len(set(warned))
    assert warned, "the fuzzer's refusals were never logged"
    await guest.close()
    await staff.close()


def _fuzz(target: Target, keys: list[str], ids: list[str], tally: Tally, log: ServerLog,
          pid: int) -> None:
    """Rounds of hypothesis runs until the frames are sent, checking the server after each."""
    strategy = sessions(keys, ids)
    number = 0
    while tally.frames < FRAMES:
        run_round(strategy, SEED + number, target, tally, log, pid)
        number += 1


def run_round(strategy: object, round_seed: int, target: Target, tally: Tally, log: ServerLog,
              pid: int) -> None:
    """One hypothesis run of `ROUND` sessions; a failing session is shrunk and reported."""

    @seed(round_seed)
    @settings(max_examples=ROUND, deadline=None, database=InMemoryExampleDatabase(),
              suppress_health_check=list(HealthCheck))
    @given(session=strategy)
    def check(session: Session) -> None:
        play(target, session, tally)
        assert problems(log.read()) == [], f"server log after round seed {round_seed}"
        _rss, peak = rss_kib(pid)
        tally.peak_rss_kib = max(tally.peak_rss_kib, peak)

    check()


async def _control_chat(server: ProcessServer, store: StoreInfo) -> tuple[Guest, Staff, str]:
    # The control clients never ping: websockets draws ping data from the global `random`,
    # and hypothesis, generating in the other thread, would take that for a strategy
    # using `random`.
    cookie = await Staff.login(server.url, store.admin_login)
    staff = Staff(await connect(f"{server.ws_url}/ws/staff", origin=server.url,  # type: ignore[arg-type]
                                additional_headers={"Cookie": f"chats_session={cookie}"},
                                ping_interval=None, max_size=2**22))
    await staff.send({"type": "hello"})
    staff.welcome = await staff.expect("welcome")
    guest = Guest(await connect(f"{server.ws_url}/ws/guest", origin=server.url,  # type: ignore[arg-type]
                                ping_interval=None, max_size=2**22))
    await guest.send({"type": "hello", "store": store.widget_key})
    guest.welcome = await guest.expect("welcome")
    guest.guest_id = guest.welcome["guest_id"]
    cid = (await guest.start("対照"))["id"]
    await staff.claim(cid)
    await guest.expect("conversation", lambda f: f["id"] == cid and f["status"] == "active")
    return guest, staff, cid


async def _converse(guest: Guest, staff: Staff, cid: str, tally: Tally) -> None:
    """A message each way every time the fuzzer gets 1/30 further; every one arrives once."""
    for i in range(CONTROL_MESSAGES):
        await wait_for(lambda i=i: tally.done.is_set()
                       or tally.frames >= FRAMES * i // CONTROL_MESSAGES, timeout=3600)
        await guest.say(f"g{i}", client_msg_id=f"g{i}")
        await staff.say(cid, f"s{i}", client_msg_id=f"s{i}")
    last = f"s{CONTROL_MESSAGES - 1}"
    await guest.expect("message", lambda f: f.get("client_msg_id") == last, timeout=15)
    await staff.expect("message", lambda f: f.get("client_msg_id") == last, timeout=15)
    expected = [t for i in range(CONTROL_MESSAGES) for t in (f"g{i}", f"s{i}")]
    for side in (guest, staff):
        got = [m for m in side.messages(cid) if m["author"] != "system"]
        seqs = [m["seq"] for m in side.messages(cid)]
        assert seqs == list(range(1, seqs[-1] + 1))
        assert [m["text"] for m in got] == expected


def _report(tally: Tally, elapsed: float, rss_at_start: int) -> None:
    print(f"fuzz: {tally.frames} frames in {tally.sessions} sockets, {elapsed:.1f} s, "
          f"{tally.frames / elapsed:.0f} frames/s")
    print(f"fuzz: refusals by code {dict(tally.refusals.most_common())}")
    print(f"fuzz: sockets ended {dict(tally.closes.most_common())}")
    print(f"fuzz: server RSS {rss_at_start // 1024} MiB at start, "
          f"peak {tally.peak_rss_kib // 1024} MiB")
