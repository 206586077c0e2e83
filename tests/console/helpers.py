"""Set-ups shared by the console API tests: a store, logged-in staff, a guest in a chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import StoreInfo, create_staff, create_store
from tests.realtime.clients import Guest, Staff
from tests.servers import Site, ThreadServer


@asynccontextmanager
async def staff_client(site: Site, login_id: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client logged in as `login_id` (cookie and CSRF header kept)."""
    async with site.client() as c:
        await login(c, login_id)
        yield c


@dataclass
class Chat:
    """A guest chatting with a staff member over real sockets."""

    guest: Guest
    staff: Staff
    conversation_id: str


async def open_chat(server: ThreadServer, store: StoreInfo, staff_login: str,
                    nickname: str = "たろう", staff: Staff | None = None) -> Chat:
    """A guest starts a chat and `staff_login` claims it."""
    staff = staff or await Staff.connect(server.url, server.ws_url, staff_login)
    guest = await Guest.connect(server.ws_url, store.widget_key)
    conversation = await guest.start(nickname)
    await staff.claim(conversation["id"])
    return Chat(guest, staff, conversation["id"])


@dataclass
class TwoStores:
    """Store A with an admin and an agent, store B with its admin."""

    a: StoreInfo
    agent_login: str
    agent_id: str
    b: StoreInfo


async def two_stores(db: Database) -> TwoStores:
    """Two stores, so that every test can check nothing crosses between them."""
    a = await create_store(db, name="茶房みどり")
    agent_login = f"agent-{a.store_id[:6]}"
    agent_id = await create_staff(db, store_id=a.store_id, login_id=agent_login, name="佐藤")
    b = await create_store(db, name="よその店")
    return TwoStores(a, agent_login, agent_id, b)
