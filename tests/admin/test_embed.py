"""The sites that may embed the widget (issue 12): the admin's list, checked and scoped."""

from __future__ import annotations

import httpx

from tests.api.helpers import login
from tests.factories import StoreInfo
from tests.servers import Site


async def test_empty_at_first_then_saved_in_normal_form(admin: httpx.AsyncClient) -> None:
    assert (await admin.get("/api/admin/embed")).json() == {"origins": []}
    r = await admin.put("/api/admin/embed", json={"origins": [
        " https://Shop.Example.jp/ ", "https://shop.example.jp:443", "http://localhost:8080",
        "https://日本茶.jp", ""]})
    assert r.status_code == 200, r.text
    expected = ["https://shop.example.jp", "http://localhost:8080", "https://xn--wgv71aj92d.jp"]
    assert r.json() == {"origins": expected}
    assert (await admin.get("/api/admin/embed")).json() == {"origins": expected}


BAD = [
    "shop.example.jp", "ftp://shop.example.jp", "https://shop.example.jp/cart",
    "https://shop.example.jp?x=1", "https://user@shop.example.jp", "javascript:alert(1)",
    "https://a b.jp", "https://shop.example.jp;script-src *", "https://*.example.jp",
    "https://shop.example.jp:99999", "https://" + "a" * 300 + ".jp", "null",
]


async def test_a_bad_origin_is_refused_in_the_callers_language_and_changes_nothing(
        admin: httpx.AsyncClient) -> None:
    await admin.put("/api/admin/embed", json={"origins": ["https://shop.example.jp"]})
    for bad in BAD:
        await _refused(admin, bad)


async def _refused(admin: httpx.AsyncClient, bad: str) -> None:
    r = await admin.put("/api/admin/embed", json={"origins": ["https://ok.example.jp", bad]})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "bad_frame"
    assert "サイトのアドレスとして使えません" in error["message"]
    en = await admin.put("/api/admin/embed", json={"origins": [bad]},
                         headers={"Accept-Language": "en"})
    assert "is not a site address" in en.json()["error"]["message"]
    assert (await admin.get("/api/admin/embed")).json() == {"origins": ["https://shop.example.jp"]}


async def test_too_many_sites_are_refused(admin: httpx.AsyncClient) -> None:
    many = [f"https://s{i}.example.jp" for i in range(51)]
    r = await admin.put("/api/admin/embed", json={"origins": many})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "埋め込みを許可するサイトは50件までです。"
    assert (await admin.get("/api/admin/embed")).json() == {"origins": []}


async def test_each_store_has_its_own_list(admin: httpx.AsyncClient, web: Site,
                                           other_store: StoreInfo) -> None:
    await admin.put("/api/admin/embed", json={"origins": ["https://shop.example.jp"]})
    async with web.client() as other:
        await login(other, other_store.admin_login)
        assert (await other.get("/api/admin/embed")).json() == {"origins": []}
        r = await other.put("/api/admin/embed", json={"origins": ["https://evil.example"]})
        assert r.status_code == 200
    assert (await admin.get("/api/admin/embed")).json() == {"origins": ["https://shop.example.jp"]}


async def test_a_change_needs_the_csrf_token(admin: httpx.AsyncClient) -> None:
    r = await admin.put("/api/admin/embed", json={"origins": ["https://shop.example.jp"]},
                        headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    assert (await admin.get("/api/admin/embed")).json() == {"origins": []}


async def test_unknown_fields_are_refused(admin: httpx.AsyncClient) -> None:
    r = await admin.put("/api/admin/embed", json={"origins": [], "store_id": "x"})
    assert r.status_code == 422
