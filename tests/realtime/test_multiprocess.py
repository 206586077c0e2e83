"""Two real server processes on PostgreSQL + Redis: guest on one, staff on the other."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.databases import PG_URL, REDIS_URL
from tests.factories import StoreInfo, create_staff, create_store
from tests.realtime.clients import Guest, Staff, claim_race
from tests.servers import ProcessServer, env_for, http_client

pytestmark = pytest.mark.skipif(not (PG_URL and REDIS_URL),
                                reason="needs CHATS_TEST_DATABASE_URL and CHATS_TEST_REDIS_URL")


async def test_flow_across_processes(pair: tuple[ProcessServer, ProcessServer],
                                     db: Database) -> None:
    a, b = pair
    store = await create_store(db)
    guest = await Guest.connect(a.ws_url, store.widget_key)
    assert guest.welcome["availability"] == "away"
    staff = await Staff.connect(b.url, b.ws_url, store.admin_login)
    # Presence is shared: the guest on A sees the staff member who is on B.
    await guest.expect("availability", lambda f: f["status"] == "waiting")
    cid = (await guest.start("二つのプロセス"))["id"]
    await staff.expect("queue", lambda f: any(w["conversation_id"] == cid for w in f["waiting"]))
    await staff.claim(cid)
    await guest.expect("conversation", lambda f: f["status"] == "active")
    n = 30

    async def guest_side() -> None:
        for i in range(n):
            await guest.send({"type": "send", "client_msg_id": f"g{i}", "text": f"g{i}"})

    async def staff_side() -> None:
        for i in range(n):
            await staff.send({"type": "send", "conversation_id": cid, "client_msg_id": f"s{i}",
                              "kind": "text", "text": f"s{i}"})

    await asyncio.gather(guest_side(), staff_side())
    await guest.expect("ack", lambda f: f["client_msg_id"] == f"g{n - 1}", timeout=15)
    await staff.expect("ack", lambda f: f["client_msg_id"] == f"s{n - 1}", timeout=15)
    last = max(f["seq"] for f in guest.frames + staff.frames if f["type"] == "ack")
    await guest.expect("message", lambda f: f["seq"] == last, timeout=15)
    await staff.expect("message", lambda f: f["seq"] == last, timeout=15)
    assert [m["seq"] for m in guest.messages(cid)] == list(range(1, last + 1))
    assert [m["seq"] for m in staff.messages(cid)] == list(range(1, last + 1))

    await guest.send({"type": "typing", "text": "入力中"})
    assert (await staff.expect("typing"))["text"] == "入力中"

    # Resume of the guest on the other process.
    await guest.close()
    await staff.say(cid, "while you were away")
    back = await Guest.connect(b.ws_url, store.widget_key, token=guest.token,
                               resume={"conversation_id": cid, "after_seq": last})
    got = await back.expect("message", lambda f: f["text"] == "while you were away")
    assert got["seq"] == last + 1

    # Blacklisting through process A's HTTP cuts off the guest connected to B.
    async with http_client(base_url=a.url) as c:
        await login(c, store.admin_login)
        r = await c.patch(f"/api/guests/{back.guest_id}", json={"blacklisted": True})
        assert r.status_code == 200
    await back.expect("conversation", lambda f: f["status"] == "ended")
    await back.expect("availability", lambda f: f["status"] == "away")
    await back.close()
    await staff.close()


async def test_claim_race_across_processes(pair: tuple[ProcessServer, ProcessServer],
                                           db: Database) -> None:
    a, b = pair
    store = await create_store(db)
    for i in range(5):
        await create_staff(db, store_id=store.store_id, login_id=f"p{i}")
    staff = [await Staff.connect(srv.url, srv.ws_url, f"p{i}")
             for i, srv in enumerate([a, b, a, b, a])]
    guest = await Guest.connect(b.ws_url, store.widget_key)
    results = await claim_race(staff, guest)
    assert results == ["already_taken"] * 4 + ["won"]
    for s in staff:
        await s.close()
    await guest.close()


async def test_clients_converge_after_a_redis_outage(
        pair: tuple[ProcessServer, ProcessServer], db: Database, settings: Settings) -> None:
    a, b = pair
    store: StoreInfo = await create_store(db)
    staff = await Staff.connect(b.url, b.ws_url, store.admin_login)
    guest = await Guest.connect(a.ws_url, store.widget_key)
    cid = (await guest.start())["id"]
    await staff.claim(cid)
    await guest.expect("conversation", lambda f: f["status"] == "active")
    admin = aioredis.from_url(settings.redis_url or "")
    try:
        # Cut both processes' subscriptions: pub/sub drops what is published meanwhile.
        clients = await admin.client_list()
        mine = [c for c in clients if c.get("name") == f"chats-broker:{settings.redis_prefix}"]
        assert len(mine) == 2
        for c in mine:
            await admin.client_kill_filter(_id=c["id"])
        acks = [await guest.say(f"during outage {i}") for i in range(5)]
    finally:
        await admin.aclose()
    # Without another message, the staff socket still catches up from the database by seq.
    for ack in acks:
        await staff.expect("message", lambda f, s=ack["seq"]: f["seq"] == s, timeout=15)
    seqs = [m["seq"] for m in staff.messages(cid)]
    assert seqs == list(range(1, acks[-1]["seq"] + 1))
    await staff.close()
    await guest.close()


async def test_staff_of_a_killed_process_go_offline_for_the_other(
        settings: Settings, db: Database, tmp_path: Path) -> None:
    # A short presence lifetime so that the test does not wait a minute.
    short = env_for(settings.model_copy(update={"presence_ttl_seconds": 3.0}))
    a = ProcessServer(env=short, log_path=tmp_path / "a.log").start()
    b = ProcessServer(env=short, log_path=tmp_path / "b.log").start()
    try:
        store = await create_store(db)
        guest = await Guest.connect(a.ws_url, store.widget_key)
        assert guest.welcome["availability"] == "away"
        staff = await Staff.connect(b.url, b.ws_url, store.admin_login)
        await guest.expect("availability", lambda f: f["status"] == "waiting")
        b.kill()  # no shutdown code runs: nobody announces that the staff member left
        # Its presence entry expires (3 s) and process A, which holds the guest, notices.
        await guest.expect("availability", lambda f: f["status"] == "away", timeout=20)
        await staff.ws.close()
    finally:
        a.stop()
        b.stop()
