"""The widget's HTTP calls: /visit identifies guests and records pages; config; open CORS."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from chats.db.engine import Database
from chats.db.models import PageView
from tests.factories import create_store
from tests.realtime.clients import Staff
from tests.servers import ThreadServer, http_client


async def test_visit_identifies_and_records_pages(client: httpx.AsyncClient,
                                                  db: Database) -> None:
    store = await create_store(db)
    url = f"/api/widget/{store.widget_key}/visit"
    first = await client.post(url, json={"url": "https://shop.example/", "title": "トップ",
                                         "referrer": "https://search.example/?q=抹茶"})
    assert first.status_code == 200
    body = first.json()
    assert body["availability"] == "away" and body["unread"] == 0 and body["token"]
    second = await client.post(url, json={"token": body["token"], "title": "抹茶セット",
                                          "url": "https://shop.example/products/tea",
                                          "referrer": "https://shop.example/"})
    assert second.json()["token"] == body["token"]
    async with db.read() as session:
        views = list(await session.scalars(select(PageView).order_by(PageView.viewed_at)))
    assert [v.title for v in views] == ["トップ", "抹茶セット"]
    assert views[0].guest_id == views[1].guest_id
    assert views[0].referrer == "https://search.example/?q=抹茶"


async def test_visit_reports_availability(server: ThreadServer, db: Database) -> None:
    store = await create_store(db)
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    async with http_client(base_url=server.url) as c:
        r = await c.post(f"/api/widget/{store.widget_key}/visit", json={"url": "https://x/"})
        assert r.json()["availability"] == "waiting"
    await staff.close()


async def test_unknown_key_and_bad_body(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db)
    r = await client.post("/api/widget/nope/visit", json={"url": "https://x/"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = await client.post(f"/api/widget/{store.widget_key}/visit", json={"title": "no url"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_frame"
    assert (await client.get("/api/widget/nope/config")).status_code == 404


async def test_config_and_cors(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db, name="茶房")
    r = await client.get(f"/api/widget/{store.widget_key}/config",
                         headers={"Origin": "https://shop.example"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    config = r.json()
    assert config["store"]["name"] == "茶房"
    assert set(config["buttons"]) == {"away", "waiting", "busy"}
    assert config["fields"] == []  # no field is asked before the chat by default
    pre = await client.options(f"/api/widget/{store.widget_key}/visit",
                               headers={"Origin": "https://shop.example",
                                        "Access-Control-Request-Method": "POST",
                                        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204
    assert "POST" in pre.headers["access-control-allow-methods"]
    # Staff APIs are not opened to other origins.
    staff = await client.get("/api/auth/me", headers={"Origin": "https://shop.example"})
    assert "access-control-allow-origin" not in staff.headers


async def test_status_reads_without_recording_a_page_view(client: httpx.AsyncClient,
                                                          db: Database) -> None:
    store = await create_store(db)
    visit = (await client.post(f"/api/widget/{store.widget_key}/visit",
                               json={"url": "https://shop.example/"})).json()
    r = await client.get(f"/api/widget/{store.widget_key}/status",
                         params={"token": visit["token"]})
    assert r.status_code == 200
    assert r.json() == {"availability": "away", "unread": 0, "blacklisted": False}
    assert r.headers["access-control-allow-origin"] == "*"
    anonymous = await client.get(f"/api/widget/{store.widget_key}/status")
    assert anonymous.json()["availability"] == "away"
    async with db.read() as session:
        views = list(await session.scalars(select(PageView)))
    assert len(views) == 1


async def test_status_takes_the_token_in_the_body(client: httpx.AsyncClient,
                                                  db: Database) -> None:
    store = await create_store(db)
    other = await create_store(db)
    url = f"/api/widget/{store.widget_key}/status"
    visit = (await client.post(f"/api/widget/{store.widget_key}/visit",
                               json={"url": "https://shop.example/"})).json()
    # The loader's form: JSON sent as text/plain, a "simple" request (no preflight).
    r = await client.post(url, content=f'{{"token": "{visit["token"]}"}}',
                          headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert r.status_code == 200, r.text
    assert r.json() == {"availability": "away", "unread": 0, "blacklisted": False}
    assert r.headers["access-control-allow-origin"] == "*"
    assert (await client.post(url, json={"token": visit["token"]})).status_code == 200
    assert (await client.post(url, content=b"")).json()["availability"] == "away"
    # Another store's key does not know this guest, and an unknown key is not found.
    foreign = await client.post(f"/api/widget/{other.widget_key}/status",
                                json={"token": visit["token"]})
    assert foreign.json() == {"availability": "away", "unread": 0, "blacklisted": False}
    missing = await client.post("/api/widget/nope/status", json={})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    async with db.read() as session:
        assert len(list(await session.scalars(select(PageView)))) == 1


async def test_status_refuses_bad_bodies(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db)
    url = f"/api/widget/{store.widget_key}/status"
    for body in (b"not json", b"[]", b'{"token": 5}', b'{"token": "t", "extra": 1}',
                 b'{"token": "' + b"x" * 129 + b'"}'):
        r = await client.post(url, content=body, headers={"Accept-Language": "en"})
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "bad_frame"
        assert r.json()["error"]["message"].startswith("Please check your input")
    big = await client.post(url, content=b"{" + b" " * 2048 + b"}",
                            headers={"Accept-Language": "ja"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
