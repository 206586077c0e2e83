"""Logins never hold the write lock while hashing: chats go on during a burst of them."""

from __future__ import annotations

import asyncio

import httpx
from argon2 import PasswordHasher

from chats.db.engine import Database
from chats.domain.hash_cost import DEFAULT_ITERATIONS, DEFAULT_MEMORY_KIB
from tests.factories import PASSWORD, create_staff, give_production_hash
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer, http_client

LOGINS = 6
ACKS_WANTED = 12


async def test_guest_messages_are_acked_while_staff_log_in(
    chat: Chat, server: ThreadServer, db: Database
) -> None:
    logins = [f"storm-{n}" for n in range(LOGINS)]
    # Hashes at production's cost (the suite's own are cheaper): each check is a real
    # third of a second of argon2, and the new hash each login then writes is cheap.
    for login_id in logins:
        staff_id = await create_staff(db, store_id=chat.store.store_id, login_id=login_id)
        await give_production_hash(db, staff_id)
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

    async with http_client(base_url=server.url, timeout=60) as client:
        storm = asyncio.gather(*(log_in(client, login_id) for login_id in logins))
        talk = asyncio.create_task(guest_keeps_talking())
        codes = await storm
        acked_during_storm = acked
        await talk
    assert codes == [200] * LOGINS
    # Each login costs a third of a second of argon2, one after the other; were any of it
    # inside a write transaction, each guest message would wait for it.
    assert acked_during_storm >= ACKS_WANTED, acked_during_storm


def test_argon2_cffi_defaults_are_production_parameters() -> None:
    """The storm's hashes (PasswordHasher()) are what a default CHATS makes."""
    hasher = PasswordHasher()
    assert (hasher.memory_cost, hasher.time_cost) == (DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS)
