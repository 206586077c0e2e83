"""A6: the store's own stamps — upload, label, code, active; the console's palette follows."""

from __future__ import annotations

from typing import Any

import httpx

from tests.admin.pictures import picture, size_of
from tests.factories import StoreInfo
from tests.servers import Site


async def add_stamp(client: httpx.AsyncClient, code: str = "nice", label: str = "いいね",
                    data: bytes | None = None) -> httpx.Response:
    files = {"file": (f"{code}.png", data or picture(300, 300), "image/png")}
    return await client.post("/api/admin/stamps", files=files,
                             data={"code": code, "label": label})


async def palette(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    r = await client.get("/api/stamps")
    assert r.status_code == 200
    return {s["code"]: s for s in r.json()["stamps"]}


async def test_add_a_stamp_and_the_console_offers_it(
    admin: httpx.AsyncClient, agent: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    r = await add_stamp(admin, code=" Nice ")
    assert r.status_code == 201, r.text
    stamp = r.json()
    assert stamp["code"] == "nice" and stamp["label"] == "いいね" and stamp["active"] is True
    assert size_of((await anon.get(stamp["url"])).content) == ("PNG", 256, 256)
    offered = await palette(agent)
    assert offered["nice"]["url"] == stamp["url"] and offered["nice"]["builtin"] is False
    second = (await add_stamp(admin, code="thumbs-up", label="グッド")).json()
    assert second["position"] == stamp["position"] + 1
    listed = (await admin.get("/api/admin/stamps")).json()["stamps"]
    assert [s["code"] for s in listed] == ["nice", "thumbs-up"]


async def test_codes_are_checked(admin: httpx.AsyncClient) -> None:
    assert (await add_stamp(admin)).status_code == 201
    r = await add_stamp(admin)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "コード「nice」のスタンプはすでにあります。"
    assert (await add_stamp(admin, code="thanks")).status_code == 409  # a built-in one
    r = await add_stamp(admin, code="bad code!")
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("コードは半角英小文字")
    assert (await add_stamp(admin, code="ok2", label=" ")).status_code == 400


async def test_a_stamp_needs_a_real_picture(admin: httpx.AsyncClient) -> None:
    r = await add_stamp(admin, data=b"%PDF-1.7")
    assert r.status_code == 400
    assert "画像ではない" in r.json()["error"]["message"]
    assert (await admin.get("/api/admin/stamps")).json()["stamps"] == []


async def test_edit_deactivate_replace_and_delete(
    admin: httpx.AsyncClient, agent: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    stamp = (await add_stamp(admin)).json()
    r = await admin.patch(f"/api/admin/stamps/{stamp['id']}",
                          json={"label": "すてき", "code": "lovely", "active": False})
    assert r.status_code == 200
    assert r.json() | {"url": None} == stamp | {"label": "すてき", "code": "lovely",
                                                "active": False, "url": None}
    assert "lovely" not in await palette(agent)
    r = await admin.put(f"/api/admin/stamps/{stamp['id']}/image",
                        files={"file": ("s.jpg", picture(64, 32, "JPEG"), "image/jpeg")})
    assert r.status_code == 200 and r.json()["url"] != stamp["url"]
    assert size_of((await anon.get(r.json()["url"])).content) == ("PNG", 64, 32)
    await admin.patch(f"/api/admin/stamps/{stamp['id']}", json={"active": True})
    assert "lovely" in await palette(agent)
    assert (await admin.delete(f"/api/admin/stamps/{stamp['id']}")).status_code == 204
    assert "lovely" not in await palette(agent)
    assert (await admin.delete(f"/api/admin/stamps/{stamp['id']}")).status_code == 404


async def test_other_stores_stamps_are_not_found(
    admin: httpx.AsyncClient, web: Site, other_store: StoreInfo
) -> None:
    from tests.api.helpers import login

    async with web.client() as other:
        await login(other, other_store.admin_login)
        theirs = (await add_stamp(other)).json()["id"]
    png = {"file": ("s.png", picture(10, 10), "image/png")}
    assert (await admin.patch(f"/api/admin/stamps/{theirs}", json={"active": False})
            ).status_code == 404
    assert (await admin.put(f"/api/admin/stamps/{theirs}/image", files=png)).status_code == 404
    assert (await admin.delete(f"/api/admin/stamps/{theirs}")).status_code == 404
    assert (await admin.get("/api/admin/stamps")).json()["stamps"] == []
    assert (await add_stamp(admin)).status_code == 201  # codes are per store
