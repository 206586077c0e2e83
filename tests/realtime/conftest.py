"""Fixtures for protocol tests: a store, its staff on a socket, a guest in a chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from chats.db.engine import Database
from chats.realtime.frames import GUEST_SERVER_FRAMES, STAFF_SERVER_FRAMES
from tests.factories import StoreInfo, create_store
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer


@dataclass
class Chat:
    """A guest chatting with a staff member in one conversation."""

    store: StoreInfo
    guest: Guest
    staff: Staff
    conversation_id: str


async def open_chat(server: ThreadServer, store: StoreInfo, staff: Staff,
                    nickname: str = "ゲスト") -> tuple[Guest, str]:
    """A new guest who starts a chat that `staff` claims."""
    guest = await Guest.connect(server.ws_url, store.widget_key)
    conv = await guest.start(nickname)
    await staff.claim(conv["id"])
    await guest.expect("conversation", lambda f: f["id"] == conv["id"] and f["status"] == "active")
    return guest, conv["id"]


@pytest.fixture
async def store(db: Database) -> StoreInfo:
    return await create_store(db)


@pytest.fixture
async def chat(server: ThreadServer, store: StoreInfo) -> AsyncIterator[Chat]:
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest, cid = await open_chat(server, store, staff)
    yield Chat(store, guest, staff, cid)
    await guest.close()
    await staff.close()
    # Whatever the test did, every frame it received matches the server frame models.
    for frame in guest.frames:
        GUEST_SERVER_FRAMES.validate_python(frame)
    for frame in staff.frames:
        STAFF_SERVER_FRAMES.validate_python(frame)
