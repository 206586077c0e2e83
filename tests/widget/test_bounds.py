"""Issue 12 item 3: what one client address can make the server do, and store, is bounded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import connect

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import Guest, PageView
from chats.ids import token_hash
from tests.databases import REDIS_URL
from tests.factories import StoreInfo, create_store
from tests.realtime.clients import Frame
from tests.realtime.clients import Guest as GuestSocket
from tests.servers import ProcessServer, ThreadServer, env_for, http_client

LIMITS: dict[str, Any] = {
    "limit_visits_per_minute": 8,
    "limit_new_guests_per_hour": 4,
    "limit_hellos_per_minute": 6,
    "limit_starts_per_minute": 2,
    "limit_sends_per_minute": 600,
    "limit_typing_per_minute": 3,
}


RATE_LIMITED_JA = "操作が多すぎます。しばらくしてからもう一度お試しください。"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with small per-address budgets."""
    return settings.model_copy(update=LIMITS)


@pytest.fixture
def proxied(settings: Settings) -> Iterator[ThreadServer]:
    """A server that trusts 127.0.0.1 as its reverse proxy."""
    srv = ThreadServer(settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})).start()
    yield srv
    srv.stop()


@pytest.fixture
async def store(db: Database) -> StoreInfo:
    return await create_store(db)


async def post_visit(client: httpx.AsyncClient, store: StoreInfo, token: str | None = None,
                     forwarded_for: str | None = None, **body: Any) -> httpx.Response:
    payload = {"url": "https://shop.example/", **body}
    if token:
        payload["token"] = token
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return await client.post(f"/api/widget/{store.widget_key}/visit", json=payload,
                             headers=headers)


async def guests_of(db: Database, store: StoreInfo) -> int:
    async with db.read() as session:
        n = await session.scalar(select(func.count()).select_from(Guest)
                                 .where(Guest.store_id == store.store_id))
        return int(n or 0)


def assert_limited(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "rate_limited"
    assert r.json()["error"]["message"] == RATE_LIMITED_JA
    assert int(r.headers["Retry-After"]) >= 1


async def raw_guest(server: ThreadServer, store: StoreInfo, forwarded_for: str | None = None,
                    token: str | None = None) -> tuple[GuestSocket, Frame]:
    """A guest socket after `hello`, and the first frame the server answered."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    ws = await connect(f"{server.ws_url}/ws/guest", additional_headers=headers)
    guest = GuestSocket(ws)
    hello: Frame = {"type": "hello", "store": store.widget_key}
    if token:
        hello["token"] = token
    await guest.send(hello)
    first = await guest.recv()
    if first["type"] == "welcome":
        guest.welcome, guest.token, guest.guest_id = first, first["token"], first["guest_id"]
    return guest, first


async def test_page_views_without_a_known_token_make_a_bounded_number_of_guests(
        client: httpx.AsyncClient, db: Database, store: StoreInfo) -> None:
    tokens = []
    for _ in range(LIMITS["limit_new_guests_per_hour"]):
        r = await post_visit(client, store)
        assert r.status_code == 200, r.text
        tokens.append(r.json()["token"])
    assert len(set(tokens)) == 4
    # The budget of new guests is spent: no token, or a made-up one, makes no more.
    assert_limited(await post_visit(client, store))
    assert_limited(await post_visit(client, store, token="made-up-token"))
    assert await guests_of(db, store) == 4
    # A returning guest is still served, until the address's page views run out too.
    assert (await post_visit(client, store, token=tokens[0])).status_code == 200
    assert (await post_visit(client, store, token=tokens[1])).status_code == 200
    assert_limited(await post_visit(client, store, token=tokens[0]))
    async with db.read() as session:
        views = await session.scalar(select(func.count()).select_from(PageView)
                                     .where(PageView.store_id == store.store_id))
    assert views == 6 and await guests_of(db, store) == 4


async def test_new_guests_are_budgeted_per_store(
        client: httpx.AsyncClient, db: Database, store: StoreInfo) -> None:
    other = await create_store(db)
    for _ in range(4):
        assert (await post_visit(client, store)).status_code == 200
    assert_limited(await post_visit(client, store))
    assert (await post_visit(client, other)).status_code == 200


async def test_a_forwarded_address_is_ignored_without_trusted_proxies(
        client: httpx.AsyncClient, store: StoreInfo) -> None:
    for n in range(LIMITS["limit_visits_per_minute"]):
        r = await post_visit(client, store, token="t", forwarded_for=f"198.51.100.{n}")
        assert r.status_code in (200, 429)
    # Claiming yet another address does not buy a new budget.
    assert_limited(await post_visit(client, store, forwarded_for="203.0.113.77"))


async def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(
        proxied: ThreadServer, db: Database, store: StoreInfo) -> None:
    async with http_client(base_url=proxied.url, timeout=10) as client:
        for _ in range(4):
            r = await post_visit(client, store, forwarded_for="198.51.100.1")
            assert r.status_code == 200, r.text
        assert_limited(await post_visit(client, store, forwarded_for="198.51.100.1"))
        # What a client writes left of the proxy's entry is not believed.
        assert_limited(await post_visit(client, store, forwarded_for="9.9.9.9, 198.51.100.1"))
        assert (await post_visit(client, store, forwarded_for="198.51.100.2")).status_code == 200
    assert await guests_of(db, store) == 5


async def test_hellos_without_a_token_store_no_guest_until_one_is_needed(
        server: ThreadServer, db: Database, store: StoreInfo) -> None:
    guests = [(await raw_guest(server, store))[0] for _ in range(4)]
    assert len({g.guest_id for g in guests}) == 4 and all(g.token for g in guests)
    assert await guests_of(db, store) == 0
    # Leaving a message needs a guest: it is stored with the id and token of its welcome.
    first = guests[0]
    await first.send({"type": "leave_message", "client_msg_id": "m1", "nickname": "花子",
                      "email": "hanako@example.com", "text": "在庫はありますか？"})
    await first.expect("ack", lambda f: f["client_msg_id"] == "m1")
    async with db.read() as session:
        stored = list(await session.scalars(select(Guest).where(Guest.store_id == store.store_id)))
    assert [(g.id, g.token_hash) for g in stored] == [(first.guest_id, token_hash(first.token))]
    # The guest comes back with its token and finds itself.
    again, frame = await raw_guest(server, store, token=first.token)
    assert frame["guest_id"] == first.guest_id and frame["token"] == first.token
    for g in [*guests, again]:
        await g.close()


async def test_a_fresh_socket_does_not_reset_the_address_budgets(
        server: ThreadServer, store: StoreInfo) -> None:
    hellos = LIMITS["limit_hellos_per_minute"]
    # Each claims another address: without trusted proxies nobody believes it.
    sockets = [(await raw_guest(server, store, f"198.51.100.{n}"))[0] for n in range(hellos)]
    refused, frame = await raw_guest(server, store, "203.0.113.1")
    assert frame["type"] == "error" and frame["code"] == "rate_limited"
    a, b = sockets[0], sockets[1]
    for _ in range(LIMITS["limit_typing_per_minute"]):
        await a.send({"type": "typing", "text": "こんに"})
    await a.send({"type": "typing", "text": "こんにちは"})
    assert (await a.expect("error"))["code"] == "rate_limited"
    await b.send({"type": "typing", "text": "別のソケット"})
    assert (await b.expect("error"))["code"] == "rate_limited"
    # Starting a chat: the store is away, but each try spends the address's budget.
    for guest in (a, b):
        await guest.send({"type": "start", "nickname": "太郎"})
        assert (await guest.expect("error"))["code"] == "unavailable"
    c = sockets[2]
    await c.send({"type": "start", "nickname": "太郎"})
    assert (await c.expect("error"))["code"] == "rate_limited"
    for g in [*sockets, refused]:
        await g.close()


async def test_two_addresses_behind_a_proxy_have_separate_socket_budgets(
        proxied: ThreadServer, store: StoreInfo) -> None:
    one = [(await raw_guest(proxied, store, "198.51.100.1"))[0] for _ in range(6)]
    _, frame = await raw_guest(proxied, store, "198.51.100.1")
    assert frame["code"] == "rate_limited"
    other, frame = await raw_guest(proxied, store, "198.51.100.2")
    assert frame["type"] == "welcome"
    for g in [*one, other]:
        await g.close()


@pytest.fixture
async def two_processes(settings: Settings, tmp_path: Any) -> AsyncIterator[list[ProcessServer]]:
    """Two `chats serve` processes on one database and Redis, with the small budgets."""
    if not REDIS_URL:
        pytest.skip("sharing budgets between processes needs Redis")
    env = {**env_for(settings),
           **{f"CHATS_{k.upper()}": str(v) for k, v in LIMITS.items()}}
    servers = [ProcessServer(env=env, log_path=tmp_path / f"{n}.log") for n in "ab"]
    try:
        for srv in servers:
            srv.start()
        yield servers
    finally:
        for srv in servers:
            srv.stop()


async def test_budgets_hold_across_processes(
        two_processes: list[ProcessServer], store: StoreInfo) -> None:
    a, b = two_processes
    sockets = []
    for n in range(LIMITS["limit_hellos_per_minute"]):
        ws = await connect(f"{(a, b)[n % 2].ws_url}/ws/guest")
        sockets.append(GuestSocket(ws))
        await sockets[-1].send({"type": "hello", "store": store.widget_key})
        await sockets[-1].expect("welcome")
    ws = await connect(f"{b.ws_url}/ws/guest")
    await ws.send(json.dumps({"type": "hello", "store": store.widget_key}))
    assert json.loads(await ws.recv())["code"] == "rate_limited"
    await ws.close()
    async with http_client(timeout=10) as client:
        for n in range(LIMITS["limit_new_guests_per_hour"]):
            r = await client.post(f"{(a, b)[n % 2].url}/api/widget/{store.widget_key}/visit",
                                  json={"url": "https://shop.example/"})
            assert r.status_code == 200, r.text
        r = await client.post(f"{a.url}/api/widget/{store.widget_key}/visit",
                              json={"url": "https://shop.example/"})
        assert_limited(r)
    for g in sockets:
        await g.close()


async def test_only_web_urls_are_stored_from_page_views(
        client: httpx.AsyncClient, db: Database, store: StoreInfo) -> None:
    r = await post_visit(client, store, url="javascript:alert(document.cookie)",
                         referrer="data:text/html,<script>alert(1)</script>")
    assert r.status_code == 200, r.text
    r = await post_visit(client, store, token=r.json()["token"],
                         url="https://shop.example/item", referrer=" javascript:alert(1)")
    async with db.read() as session:
        views = list(await session.scalars(select(PageView).where(
            PageView.store_id == store.store_id).order_by(PageView.viewed_at)))
        guest = await session.scalar(select(Guest).where(Guest.store_id == store.store_id))
    assert [(v.url, v.referrer) for v in views] == [("", None), ("https://shop.example/item", None)]
    assert guest is not None and guest.first_referrer is None
