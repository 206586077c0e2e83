"""Busy tells the truth (issue 14): queue length, an estimated wait, and joining the queue."""

from __future__ import annotations

from datetime import timedelta

from chats.db.engine import Database
from chats.db.models import Conversation
from chats.ids import utcnow
from chats.realtime.frames import GUEST_SERVER_FRAMES
from tests.api.helpers import login
from tests.factories import (
    StoreInfo,
    create_guest,
    create_past_conversation,
    create_staff,
    create_store,
)
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer, http_client


async def _full_agent(db: Database, store: StoreInfo, login_id: str) -> str:
    """An agent whose only slot holds a chat claimed five hours ago (no recent wait)."""
    staff_id = await create_staff(db, store_id=store.store_id, login_id=login_id, max_chats=1)
    guest_id = await create_guest(db, store_id=store.store_id, nickname="先客")
    long_ago = utcnow() - timedelta(hours=5)
    async with db.write() as session:
        session.add(Conversation(store_id=store.store_id, guest_id=guest_id, staff_id=staff_id,
                                 status="active", kind="chat", nickname="先客",
                                 created_at=long_ago, claimed_at=long_ago))
        await session.commit()
    return staff_id


async def _recent_waits(db: Database, store: StoreInfo, seconds: list[int]) -> None:
    """Chats of the last hour that waited `seconds` each before a staff member took them."""
    guest_id = await create_guest(db, store_id=store.store_id)
    for i, wait in enumerate(seconds):
        asked = utcnow() - timedelta(minutes=50 - i)
        await create_past_conversation(db, store_id=store.store_id, guest_id=guest_id,
                                       created_at=asked,
                                       claimed_at=asked + timedelta(seconds=wait))


def _valid(*clients: Guest) -> None:
    for client in clients:
        for frame in client.frames:
            GUEST_SERVER_FRAMES.validate_python(frame)


async def test_no_recent_claims_means_no_estimate(server: ThreadServer, db: Database,
                                                 store: StoreInfo) -> None:
    await _full_agent(db, store, "full")
    staff = await Staff.connect(server.url, server.ws_url, "full")
    guest = await Guest.connect(server.ws_url, store.widget_key)
    assert guest.welcome["availability"] == "busy"
    assert guest.welcome["busy"] == {"waiting": 0, "estimated_wait_seconds": None,
                                     "queue_open": True}
    _valid(guest)
    await guest.close()
    await staff.close()


async def test_busy_guest_joins_the_queue_and_follows_its_position(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await _full_agent(db, store, "full")
    await _recent_waits(db, store, [60, 300, 120])
    staff = await Staff.connect(server.url, server.ws_url, "full")
    first = await Guest.connect(server.ws_url, store.widget_key)
    # The median of the recent waits, in seconds; nobody queues yet.
    assert first.welcome["busy"] == {"waiting": 0, "estimated_wait_seconds": 120,
                                     "queue_open": True}
    second = await Guest.connect(server.ws_url, store.widget_key)
    conv1 = await first.start("一番")
    assert conv1["status"] == "waiting"
    await first.expect("conversation", lambda f: f.get("queue_position") == 1)
    # Everyone else on the store sees the queue grow.
    frame = await second.expect("availability", lambda f: f["busy"]["waiting"] == 1)
    assert frame["status"] == "busy"
    await second.start("二番")
    await second.expect("conversation", lambda f: f.get("queue_position") == 2)
    # The agent ends the old chat and takes the first guest: the second moves up.
    old = next(c for c in staff.welcome["mine"] if c["status"] == "active")
    await staff.send({"type": "end", "conversation_id": old["id"]})
    await staff.claim(conv1["id"])
    await first.expect("conversation", lambda f: f["status"] == "active")
    await second.expect("conversation", lambda f: f.get("queue_position") == 1)
    _valid(first, second)
    for c in (first, second, staff):
        await c.close()


async def test_queue_off_refuses_start_while_busy_and_guests_are_told(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await _full_agent(db, store, "full")
    staff = await Staff.connect(server.url, server.ws_url, "full")
    guest = await Guest.connect(server.ws_url, store.widget_key)
    assert guest.welcome["busy"]["queue_open"] is True
    async with http_client(base_url=server.url, timeout=10) as admin:
        await login(admin, store.admin_login)
        r = await admin.put("/api/admin/queue", json={"queue_when_busy": False})
        assert r.status_code == 200, r.text
        assert r.json() == {"queue_when_busy": False}
        assert (await admin.get("/api/admin/queue")).json() == {"queue_when_busy": False}
    await guest.expect("availability", lambda f: f["busy"]["queue_open"] is False)
    await guest.send({"type": "start", "nickname": "並びたい"})
    assert (await guest.expect("error"))["code"] == "unavailable"
    late = await Guest.connect(server.ws_url, store.widget_key)
    assert late.welcome["busy"]["queue_open"] is False
    _valid(guest, late)
    for c in (guest, late, staff):
        await c.close()


async def test_a_store_sees_only_its_own_queue_and_waits(server: ThreadServer,
                                                        db: Database) -> None:
    mine, other = await create_store(db), await create_store(db)
    await _full_agent(db, mine, "mine-full")
    await _full_agent(db, other, "other-full")
    await _recent_waits(db, other, [600])
    staff = [await Staff.connect(server.url, server.ws_url, login)
             for login in ("mine-full", "other-full")]
    watcher = await Guest.connect(server.ws_url, mine.widget_key)
    queued = [await Guest.connect(server.ws_url, key) for key in
              (other.widget_key, other.widget_key, mine.widget_key)]
    for n in range(2):
        await queued[n].start(f"よそ{n}")
    outsider = await Guest.connect(server.ws_url, other.widget_key)
    assert outsider.welcome["busy"]["waiting"] == 2
    assert outsider.welcome["busy"]["estimated_wait_seconds"] == 600
    await queued[2].start("うち")
    await watcher.expect("availability", lambda f: f["busy"]["waiting"] == 1)
    # Nothing of the other store reached this guest: not its queue, not its waits.
    seen = [f["busy"] for f in watcher.frames if f.get("type") == "availability"]
    assert all(b["waiting"] <= 1 and b["estimated_wait_seconds"] is None for b in seen)
    assert watcher.welcome["busy"]["estimated_wait_seconds"] is None
    for c in (watcher, outsider, *queued, *staff):
        await c.close()


async def test_admin_setting_is_admin_only_and_per_store(server: ThreadServer,
                                                        db: Database) -> None:
    store, other = await create_store(db), await create_store(db)
    await create_staff(db, store_id=store.store_id, login_id="just-agent")
    async with http_client(base_url=server.url, timeout=10) as agent:
        await login(agent, "just-agent")
        r = await agent.put("/api/admin/queue", json={"queue_when_busy": False})
        assert r.status_code == 403
    async with http_client(base_url=server.url, timeout=10) as admin:
        await login(admin, other.admin_login)
        r = await admin.put("/api/admin/queue", json={"queue_when_busy": False})
        assert r.status_code == 200
        bad = await admin.put("/api/admin/queue", json={"queue_when_busy": "たぶん"})
        assert bad.status_code == 422
        assert (await admin.get("/api/admin/queue")).json() == {"queue_when_busy": False}
    async with http_client(base_url=server.url, timeout=10) as admin:
        await login(admin, store.admin_login)
        # The other store's admin changed nothing here: on by default.
        assert (await admin.get("/api/admin/queue")).json() == {"queue_when_busy": True}
