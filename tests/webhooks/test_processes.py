"""Webhooks across processes (issue 17 item 3): two `chats serve` deliver each event once; a
process killed (SIGKILL) mid-delivery has it delivered after a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.console.helpers import two_stores
from tests.servers import ProcessServer, env_for, http_client, wait_for
from tests.webhooks.helpers import add_webhook, blacklist_new_guest, deliveries
from tests.webhooks.receiver import Receiver


@asynccontextmanager
async def admin_of(srv: ProcessServer, login_id: str) -> AsyncIterator[httpx.AsyncClient]:
    """A logged-in client of one server process."""
    async with http_client(base_url=srv.url) as client:
        await login(client, login_id)
        yield client


async def test_two_processes_deliver_each_event_once(
        pair: tuple[ProcessServer, ProcessServer], db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    a, b = pair
    async with admin_of(a, s.a.admin_login) as on_a, admin_of(b, s.a.admin_login) as on_b:
        _, secret = await add_webhook(on_a, receiver.url, ["guest.blacklisted"])
        for i in range(12):
            await blacklist_new_guest(db, on_a if i % 2 else on_b, s.a.store_id)

    async def all_delivered() -> bool:
        rows = await deliveries(db)
        return len(rows) == 12 and all(r.status == "delivered" for r in rows)
    await wait_for(all_delivered, timeout=30)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert {r.id for r in await deliveries(db)} == set(ids)
    assert all(r.verified(secret)["type"] == "guest.blacklisted" for r in receiver.received)
    # One attempt each: no row was claimed by both processes.
    assert {r.attempts for r in await deliveries(db)} == {1}


async def test_a_delivery_cut_off_by_sigkill_is_sent_after_restart(
        settings: Settings, tmp_path: Path, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    env = env_for(settings)
    first = ProcessServer(env=env, log_path=tmp_path / "first.log").start()
    try:
        async with admin_of(first, s.a.admin_login) as admin:
            _, secret = await add_webhook(admin, receiver.url, ["guest.blacklisted"])
            receiver.mode = "hold"
            await blacklist_new_guest(db, admin, s.a.store_id)
        await wait_for(receiver.arrived.is_set, timeout=15)
        first.kill()  # mid-delivery: the receiver still holds the request
    finally:
        first.stop()
    [row] = await deliveries(db)
    assert row.status == "pending" and row.locked_by is not None
    receiver.mode = "ok"
    receiver.release.set()
    again = ProcessServer(env=env, log_path=tmp_path / "again.log").start()
    try:
        async def delivered() -> bool:
            [row] = await deliveries(db)
            return row.status == "delivered"
        await wait_for(delivered, timeout=30)
    finally:
        again.stop()
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(receiver.received) == 2 and ids == {row.id}
    assert receiver.received[-1].verified(secret)["type"] == "guest.blacklisted"
