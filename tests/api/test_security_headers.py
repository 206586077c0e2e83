"""Security headers on every surface (issue 12, item 5), through HTTP."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from chats.db.engine import Database
from chats.demo import shop_app
from tests.api.helpers import login
from tests.factories import StoreInfo, create_store
from tests.servers import Site, http_client

STATIC = Path(__file__).resolve().parents[2] / "src" / "chats" / "static"
KEY = "{key}"  # replaced by the store's widget key

# (method, path, body): every kind of response the server gives.
SURFACES: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/console/", None),
    ("GET", "/admin/", None),
    ("GET", f"/widget/panel?store={KEY}", None),
    ("GET", "/widget.js", None),
    ("GET", "/", None),
    ("GET", "/healthz", None),
    ("GET", f"/api/widget/{KEY}/config", None),
    ("POST", f"/api/widget/{KEY}/visit", {"url": "https://shop.example.jp/"}),
    ("GET", f"/api/widget/{KEY}/status", None),
    ("GET", "/api/auth/me", None),
    ("GET", "/api/openapi.json", None),
    ("GET", "/metrics", None),
    ("GET", "/static/stamps/thanks.svg", None),
    ("GET", "/no/such/page", None),
]
PAGES = ["/console/", "/admin/", f"/widget/panel?store={KEY}"]


def _built() -> None:
    if not (STATIC / "console" / "index.html").exists():
        if os.environ.get("CI"):
            pytest.fail("front end not built")
        pytest.skip("front end not built (cd frontend && npm run build)")


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy as {directive: sources}."""
    out = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value.strip()
    return out


@pytest.fixture
async def store(db: Database, web: Site) -> StoreInfo:
    return await create_store(db, name="茶房みどり")


async def test_nosniff_and_referrer_policy_everywhere(client: httpx.AsyncClient,
                                                      store: StoreInfo) -> None:
    _built()
    wrong = []
    for method, path, body in SURFACES:
        r = await client.request(method, path.replace(KEY, store.widget_key), json=body)
        got = (r.status_code < 500, r.headers.get_list("x-content-type-options"),
               r.headers.get("referrer-policy"))
        if got != (True, ["nosniff"], "same-origin"):
            wrong.append((method, path, got))
    assert wrong == []


async def test_widget_calls_keep_their_cors(client: httpx.AsyncClient, store: StoreInfo) -> None:
    r = await client.post(f"/api/widget/{store.widget_key}/visit",
                          json={"url": "https://shop.example.jp/"},
                          headers={"Origin": "https://shop.example.jp"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_pages_allow_no_inline_script_or_style(client: httpx.AsyncClient, store: StoreInfo,
                                                     web: Site) -> None:
    _built()
    for path in PAGES:
        await _strict_page(client, path.replace(KEY, store.widget_key), web.url)


async def _strict_page(client: httpx.AsyncClient, path: str, server_url: str) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    csp = directives(r.headers["content-security-policy"])
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["default-src"] == "'self'"
    assert "unsafe" not in r.headers["content-security-policy"]
    # The built HTML itself: every script is a file, no style or event-handler attribute.
    html = r.text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html, flags=re.I)
    assert "http://" not in html.replace(server_url, "") and "https://" not in html


async def test_staff_pages_are_framed_by_chats_only(client: httpx.AsyncClient) -> None:
    _built()
    for path in ("/console/", "/admin/"):
        r = await client.get(path)
        assert directives(r.headers["content-security-policy"])["frame-ancestors"] == "'self'"
        assert r.headers["x-frame-options"] == "SAMEORIGIN"


async def test_panel_is_framed_by_the_stores_own_sites(
        client: httpx.AsyncClient, web: Site, db: Database) -> None:
    _built()
    shop = await create_store(db, name="茶房みどり")
    other = await create_store(db, name="別の店")

    async def framers(key: str) -> str:
        r = await client.get(f"/widget/panel?store={key}")
        assert r.status_code == 200
        assert "x-frame-options" not in r.headers
        return directives(r.headers["content-security-policy"])["frame-ancestors"]

    assert await framers(shop.widget_key) == "*"  # no list yet: any site
    await login(client, shop.admin_login)
    r = await client.put("/api/admin/embed", json={
        "origins": ["https://Shop.example.jp/", "http://localhost:8080"]})
    assert r.status_code == 200, r.text
    assert await framers(shop.widget_key) == \
        "'self' https://shop.example.jp http://localhost:8080"
    assert await framers(other.widget_key) == "*"  # another store's panel is untouched
    assert await framers("no-such-store") == "'self'"
    r = await client.put("/api/admin/embed", json={"origins": []})
    assert await framers(shop.widget_key) == "*"


async def test_demo_shop_pages_carry_the_headers() -> None:
    app = shop_app("http://127.0.0.1:8000", "KEY")
    async with http_client(transport=httpx.ASGITransport(app=app),
                           base_url="http://shop.test") as c:
        r = await c.get("/products/tea")
    assert r.status_code == 200
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
