"""The widget's HTTP calls: /visit identifies guests and records pages; config; open CORS."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from chats.db.engine import Database
from chats.db.models import PageView
from tests.factories import create_store
from tests.realtime.clients import Staff
from tests.servers import ThreadServer


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
    async with httpx.AsyncClient(base_url=server.url) as c:
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
    assert r.json() == {"availability": "away", "unread": 0}
    assert r.headers["access-control-allow-origin"] == "*"
    anonymous = await client.get(f"/api/widget/{store.widget_key}/status")
    assert anonymous.json()["availability"] == "away"
    async with db.read() as session:
        views = list(await session.scalars(select(PageView)))
    assert len(views) == 1
