"""Fixtures for admin API tests: a store, and HTTP clients for its admin, an agent, nobody.

The clients reach the app in-process, or the real `server` when the test takes it (`web`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import StoreInfo, create_staff, create_store
from tests.servers import Site


@pytest.fixture
async def store(db: Database, web: Site) -> StoreInfo:
    """A store with one admin."""
    return await create_store(db, name="茶房みどり")


@pytest.fixture
async def admin(web: Site, store: StoreInfo) -> AsyncIterator[httpx.AsyncClient]:
    """The store's admin, logged in (cookie and CSRF header set)."""
    async with web.client() as c:
        await login(c, store.admin_login)
        yield c


@pytest.fixture
async def agent_id(db: Database, store: StoreInfo) -> str:
    """An agent of the store."""
    return await create_staff(db, store_id=store.store_id, login_id=f"agent-{store.store_id[:6]}")


@pytest.fixture
async def agent(web: Site, store: StoreInfo,
                agent_id: str) -> AsyncIterator[httpx.AsyncClient]:
    """The agent, logged in."""
    async with web.client() as c:
        await login(c, f"agent-{store.store_id[:6]}")
        yield c


@pytest.fixture
async def anon(web: Site) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no session."""
    async with web.client() as c:
        yield c


@pytest.fixture
async def other_store(db: Database) -> StoreInfo:
    """A second store of the same installation."""
    return await create_store(db, name="別の店")
