"""The guest socket refuses pages of sites its store does not list (issue 12)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from chats.db.engine import Database
from chats.db.models import Guest as GuestRow
from tests.api.helpers import login
from tests.factories import StoreInfo
from tests.servers import ThreadServer, http_client

SHOP = "https://shop.example.jp"


async def list_sites(server: ThreadServer, store: StoreInfo, origins: list[str]) -> None:
    async with http_client(base_url=server.url, timeout=10) as c:
        await login(c, store.admin_login)
        r = await c.put("/api/admin/embed", json={"origins": origins})
        assert r.status_code == 200, r.text


async def say_hello(server: ThreadServer, store: StoreInfo, origin: str | None,
                    locale: str = "ja") -> tuple[ClientConnection, dict[str, Any]]:
    """A socket opened as a page of `origin` would, its hello sent; the first answer."""
    ws = await connect(f"{server.ws_url}/ws/guest", origin=Origin(origin) if origin else None)
    await ws.send(json.dumps({"type": "hello", "store": store.widget_key, "locale": locale}))
    return ws, json.loads(await ws.recv(decode=True))


async def refusal(server: ThreadServer, store: StoreInfo, origin: str,
                  locale: str = "ja") -> tuple[dict[str, Any], int | None]:
    """The error frame refusing `origin`, and the code the server then closed with."""
    ws, first = await say_hello(server, store, origin, locale)
    try:
        await ws.recv()
    except ConnectionClosed as closed:
        return first, closed.rcvd.code if closed.rcvd else None
    raise AssertionError(f"{origin} was let in: {first}")


async def guests_of(db: Database, store: StoreInfo) -> int:
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(GuestRow)
                                     .where(GuestRow.store_id == store.store_id))
        return int(count or 0)


async def test_any_site_while_the_store_lists_none(server: ThreadServer,
                                                   store: StoreInfo) -> None:
    ws, first = await say_hello(server, store, "https://anywhere.example")
    assert first["type"] == "welcome"
    await ws.close()


async def test_listed_sites_chats_itself_and_non_browsers_are_let_in(
        server: ThreadServer, store: StoreInfo) -> None:
    await list_sites(server, store, [SHOP])
    # A listed site, CHATS's own origin (the guest panel's iframe), and no Origin at all
    # (not a browser: it could claim any Origin anyway).
    for origin in (SHOP, "https://SHOP.example.jp:443", server.url, None):
        ws, first = await say_hello(server, store, origin)
        assert first["type"] == "welcome", origin
        await ws.close()


async def test_other_sites_are_refused_and_nothing_is_created(
        server: ThreadServer, store: StoreInfo, db: Database) -> None:
    await list_sites(server, store, [SHOP])
    before = await guests_of(db, store)
    for origin in ("https://evil.example", "https://shop.example.jp.evil.example",
                   "http://shop.example.jp", "null"):
        first, code = await refusal(server, store, origin)
        assert (first["type"], first["code"], code) == ("error", "forbidden", 1008), origin
        assert first["message"] == "許可されていない接続元です。"
    first, _ = await refusal(server, store, "https://evil.example", locale="en")
    assert first["message"] == "This origin is not allowed."
    assert await guests_of(db, store) == before
