"""`/visit` under load and change: batched page views, guests, blacklisting, availability."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from chats.db.engine import Database
from chats.db.models import Guest, PageView, Store
from chats.ids import token_hash
from tests.api.helpers import login
from tests.databases import PG_URL, REDIS_URL
from tests.factories import StoreInfo, create_store
from tests.realtime.clients import Guest as GuestSocket
from tests.realtime.clients import Staff
from tests.servers import ProcessServer, ThreadServer, http_client


async def visit(client: httpx.AsyncClient, store: StoreInfo, url: str,
                token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url, "title": url.rsplit("/", 1)[-1]}
    if token:
        body["token"] = token
    r = await client.post(f"/api/widget/{store.widget_key}/visit", json=body)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


async def guest_of(db: Database, token: str) -> Guest | None:
    async with db.read() as session:
        found: Guest | None = await session.scalar(
            select(Guest).where(Guest.token_hash == token_hash(token)))
        return found


async def views_of(db: Database, url: str) -> list[PageView]:
    async with db.read() as session:
        return list(await session.scalars(select(PageView).where(PageView.url == url)))


async def test_every_page_view_of_a_burst_is_stored_before_its_answer(
        client: httpx.AsyncClient, db: Database) -> None:
    store, other = await create_store(db), await create_store(db)
    known = [(await visit(client, store, f"https://shop.example/first/{i}"))["token"]
             for i in range(20)]
    stranger = (await visit(client, other, "https://other.example/"))["token"]
    # Returning guests (one of them twice), new ones, and a token of another store.
    tokens: list[str | None] = [*known, known[0], *[None] * 15, stranger, "made-up-token"]

    async def one(i: int, token: str | None) -> tuple[str | None, str, dict[str, Any]]:
        url = f"https://shop.example/burst/{i}"
        answer = await visit(client, store, url, token)
        # Read from another connection the moment the answer is in: already committed.
        views = await views_of(db, url)
        assert len(views) == 1, url
        guest = await guest_of(db, answer["token"])
        assert guest is not None and views[0].guest_id == guest.id
        assert guest.store_id == store.store_id == views[0].store_id
        return token, url, answer

    results = await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))
    for token, _url, answer in results:
        if token in known:
            assert answer["token"] == token
        else:  # no token, or one this store does not know: a new guest and a new token
            assert answer["token"] not in (token, stranger, *known)
        assert answer["availability"] == "away" and answer["unread"] == 0
    returning = await guest_of(db, known[0])
    assert returning is not None
    async with db.read() as session:
        n_views = await session.scalar(select(func.count()).select_from(PageView)
                                       .where(PageView.guest_id == returning.id))
        n_guests = await session.scalar(select(func.count()).select_from(Guest)
                                        .where(Guest.store_id == store.store_id))
    assert n_views == 3  # its first page and twice in the burst
    assert n_guests == 20 + 15 + 2
    assert returning.last_seen_at > returning.first_seen_at


async def test_unknown_and_removed_keys_are_not_found(client: httpx.AsyncClient,
                                                      db: Database) -> None:
    store, live = await create_store(db), await create_store(db)
    token = (await visit(client, store, "https://shop.example/"))["token"]
    r = await client.post("/api/widget/no-such-key/visit", json={"url": "https://x/"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert r.headers["access-control-allow-origin"] == "*"
    # The server knows the key now; the store goes away behind its back.
    async with db.write() as session:
        await session.execute(delete(Store).where(Store.id == store.store_id))
        await session.commit()
    removed = f"/api/widget/{store.widget_key}/visit"
    gone = [client.post(removed, json={"url": "https://x/", "token": token}),
            client.post(removed, json={"url": "https://x/"})]
    # Page views of other stores arriving at the same moment are stored all the same.
    others = [visit(client, live, f"https://live.example/{i}") for i in range(5)]
    answers = await asyncio.gather(*gone, *others)
    for r in answers[:2]:
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for i in range(5):
        assert len(await views_of(db, f"https://live.example/{i}")) == 1
    assert (await client.get(f"/api/widget/{store.widget_key}/status")).status_code == 404


async def test_a_blacklisted_guest_sees_away_at_once(server: ThreadServer, db: Database) -> None:
    store = await create_store(db)
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    async with http_client(base_url=server.url) as c:
        first = await visit(c, store, "https://shop.example/")
        assert first["availability"] == "waiting"
        guest = await guest_of(db, first["token"])
        assert guest is not None
        await login(c, store.admin_login)
        for blacklisted, seen in ((True, "away"), (False, "waiting")):
            r = await c.patch(f"/api/guests/{guest.id}", json={"blacklisted": blacklisted})
            assert r.status_code == 200, r.text
            again = await visit(c, store, "https://shop.example/", first["token"])
            assert (again["availability"], again["blacklisted"]) == (seen, blacklisted)
            status = await c.get(f"/api/widget/{store.widget_key}/status",
                                 params={"token": first["token"]})
            assert status.json()["availability"] == seen
            # The loader then shows plain away, with no offer of a form (issue 14).
            assert status.json()["blacklisted"] is blacklisted
        # Everybody else keeps seeing the store as it is.
        assert (await visit(c, store, "https://shop.example/"))["availability"] == "waiting"
    await staff.close()


async def test_unread_is_counted_at_each_visit(server: ThreadServer, db: Database) -> None:
    store = await create_store(db)
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest = await GuestSocket.connect(server.ws_url, store.widget_key)
    cid = (await guest.start())["id"]
    await staff.claim(cid)
    async with http_client(base_url=server.url) as c:
        assert (await visit(c, store, "https://shop.example/a", guest.token))["unread"] == 0
        said = await staff.say(cid, "いらっしゃいませ")
        assert (await visit(c, store, "https://shop.example/b", guest.token))["unread"] == 1
        await guest.send({"type": "read", "conversation_id": cid, "seq": said["seq"]})
        await staff.expect("read", lambda f: f["seq"] == said["seq"])
        assert (await visit(c, store, "https://shop.example/c", guest.token))["unread"] == 0
    await guest.close()
    await staff.close()


async def follows_the_store(guests_at: str, ws_url: str, staff_at: tuple[str, str],
                            store: StoreInfo) -> None:
    """A page view reports availability changes by the time the store's frame arrives."""
    watcher = await GuestSocket.connect(ws_url, store.widget_key)
    async with http_client(base_url=guests_at) as c:
        assert (await visit(c, store, "https://shop.example/"))["availability"] == "away"
        staff = await Staff.connect(*staff_at, store.admin_login)
        await watcher.expect("availability", lambda f: f["status"] == "waiting", timeout=10)
        assert (await visit(c, store, "https://shop.example/"))["availability"] == "waiting"
        await staff.close()  # after the presence grace period the store is away again
        await watcher.expect("availability", lambda f: f["status"] == "away", timeout=10)
        assert (await visit(c, store, "https://shop.example/"))["availability"] == "away"
    await watcher.close()


async def test_availability_follows_the_store(server: ThreadServer, db: Database) -> None:
    store = await create_store(db)
    await follows_the_store(server.url, server.ws_url, (server.url, server.ws_url), store)


@pytest.mark.skipif(not (PG_URL and REDIS_URL),
                    reason="needs CHATS_TEST_DATABASE_URL and CHATS_TEST_REDIS_URL")
async def test_availability_follows_staff_of_another_process(
        pair: tuple[ProcessServer, ProcessServer], db: Database) -> None:
    a, b = pair
    store = await create_store(db)
    await follows_the_store(a.url, a.ws_url, (b.url, b.ws_url), store)
