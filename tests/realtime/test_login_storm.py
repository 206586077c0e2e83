"""Logins never hold the write lock while hashing: chats go on during a burst of them."""

from __future__ import annotations

import asyncio

import httpx

from chats.db.engine import Database
from tests.factories import PASSWORD, create_staff
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer

LOGINS = 6
ACKS_WANTED = 12


async def test_guest_messages_are_acked_while_staff_log_in(
    chat: Chat, server: ThreadServer, db: Database
) -> None:
    logins = [f"storm-{n}" for n in range(LOGINS)]
    for login_id in logins:
        await create_staff(db, store_id=chat.store.store_id, login_id=login_id)
    acked = 0

    async def guest_keeps_talking() -> None:
        nonlocal acked
        for n in range(ACKS_WANTED * 2):  # within the guest's burst allowance
            await chat.guest.say(f"まだ話しています {n}")
            acked += 1

    async def log_in(client: httpx.AsyncClient, login_id: str) -> int:
        r = await client.post("/api/auth/login", json={"login_id": login_id,
                                                       "password": PASSWORD})
        return r.status_code

    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        storm = asyncio.gather(*(log_in(client, login_id) for login_id in logins))
        talk = asyncio.create_task(guest_keeps_talking())
        codes = await storm
        acked_during_storm = acked
        await talk
    assert codes == [200] * LOGINS
    # Each login costs a third of a second of argon2, one after the other; were any of it
    # inside a write transaction, each guest message would wait for it.
    assert acked_during_storm >= ACKS_WANTED, acked_during_storm
