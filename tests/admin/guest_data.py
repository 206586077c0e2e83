"""A guest with something held about it (messages, a file, page views, notes), and the
checks the privacy and retention tests make in the database, on disk and over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import AuditEntry, Upload
from chats.ids import utcnow
from chats.services.uploads import file_path
from tests.console.helpers import Chat, open_chat
from tests.factories import StoreInfo
from tests.realtime.clients import WsClient
from tests.servers import ThreadServer, http_client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Held:
    """A guest in a claimed chat, with messages, a file, page views and notes."""

    chat: Chat
    guest_id: str
    conversation_id: str
    upload_id: str


async def hold(server: ThreadServer, store: StoreInfo, admin: httpx.AsyncClient,
               nickname: str = "山田太郎") -> Held:
    """A guest chatting with the store's admin, who sends it a file and notes about it."""
    chat = await open_chat(server, store, store.admin_login, nickname=nickname)
    cid = chat.conversation_id
    await chat.guest.say("電話番号は090-1234-5678です")
    await chat.staff.say(cid, "承知しました")
    r = await admin.post(f"/api/conversations/{cid}/files",
                         files={"file": ("見積書.pdf", PDF, "application/pdf")})
    assert r.status_code == 201, r.text
    upload_id = r.json()["message"]["file"]["url"].rsplit("/", 1)[-1]
    async with http_client(base_url=server.url) as widget:
        for url, title in (("https://shop.example/", "トップ"),
                           ("https://shop.example/cart", "カート")):
            r = await widget.post(f"/api/widget/{store.widget_key}/visit",
                                  json={"token": chat.guest.token, "url": url, "title": title})
            assert r.status_code == 200, r.text
    r = await admin.patch(f"/api/guests/{chat.guest.guest_id}", json={"notes": "常連さん"})
    assert r.status_code == 200, r.text
    return Held(chat, chat.guest.guest_id, cid, upload_id)


async def release(held: Held) -> None:
    """Close the chat's sockets (a socket the server closed already is fine)."""
    await held.chat.guest.close()
    await held.chat.staff.close()


async def audit_entries(db: Database, action: str) -> list[AuditEntry]:
    """Every audit entry of one action, whatever the store."""
    async with db.read() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def count_rows(db: Database, model: Any, *where: Any) -> int:
    """How many rows of `model` match `where`."""
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where))
                   or 0)


async def close_code(client: WsClient) -> int | None:
    """Read frames until the server closes the socket; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await client.recv(timeout=5)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def upload_path(db: Database, settings: Settings, upload_id: str) -> Path:
    """Where an upload's bytes are on disk (its row must exist)."""
    async with db.read() as session:
        upload = await session.get(Upload, upload_id)
        assert upload is not None
        return file_path(settings, upload)


async def todays_stats(admin: httpx.AsyncClient) -> Any:
    """The store's statistics around today, as the admin reads them."""
    today = utcnow().date()
    r = await admin.get("/api/stats", params={"from": str(today - timedelta(days=1)),
                                              "to": str(today + timedelta(days=1))})
    assert r.status_code == 200, r.text
    return r.json()
