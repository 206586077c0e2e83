"""A4: input fields — add, rename, reorder, remove (values kept), asked before the chat."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from chats.db.engine import Database
from chats.db.models import Guest as GuestRow
from tests.factories import StoreInfo, create_guest
from tests.servers import Site

DEFAULT_KEYS = ["name", "kana", "email", "phone", "age", "gender", "postal_code", "address"]


async def fields(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await client.get("/api/admin/fields")
    assert r.status_code == 200
    found: list[dict[str, Any]] = r.json()["fields"]
    return found


async def add(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await client.post("/api/admin/fields", json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def widget_fields(anon: httpx.AsyncClient, store: StoreInfo) -> list[dict[str, Any]]:
    config = (await anon.get(f"/api/widget/{store.widget_key}/config")).json()
    found: list[dict[str, Any]] = config["fields"]
    return found


async def test_a_new_store_has_the_default_fields(admin: httpx.AsyncClient) -> None:
    found = await fields(admin)
    assert [f["key"] for f in found] == DEFAULT_KEYS
    gender = next(f for f in found if f["key"] == "gender")
    assert gender["type"] == "radio" and gender["options"][:2] == ["男性", "女性"]


async def test_a_field_asked_before_the_chat_reaches_the_widget(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, store: StoreInfo
) -> None:
    field = await add(admin, label="ご用件", type="select", options=[" 注文 ", "配送", "配送"],
                      ask_before_chat=True, required=True)
    assert field["key"] == "field" and field["options"] == ["注文", "配送"]
    assert field["position"] == len(DEFAULT_KEYS)
    assert await widget_fields(anon, store) == [
        {"key": "field", "label": "ご用件", "type": "select", "options": ["注文", "配送"],
         "required": True}]


async def test_keys_are_unique_slugs(admin: httpx.AsyncClient) -> None:
    keys = [(await add(admin, label=label))["key"]
            for label in ("会社名", "部署名", "Order number", "Name", "Ｅメール２", "2nd line")]
    assert keys == ["field", "field_2", "order_number", "name_2", "e_2", "field_2nd_line"]


@pytest.mark.parametrize(("body", "message"), [
    ({"label": "性別", "type": "radio"}, "選択肢を1～30個入力してください。"),
    ({"label": "色", "type": "select", "options": ["  "]}, "選択肢を1～30個入力してください。"),
    ({"label": "日付", "type": "date"}, "項目の種類が正しくありません"),
    ({"label": "   "}, "名前を入力してください（200文字以内）。"),
])
async def test_invalid_fields_are_refused(admin: httpx.AsyncClient, body: dict[str, Any],
                                          message: str) -> None:
    r = await admin.post("/api/admin/fields", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"].startswith(message)


async def test_every_type_is_accepted(admin: httpx.AsyncClient) -> None:
    for kind in ("text", "email", "tel", "number", "textarea", "kana", "postal"):
        assert (await add(admin, label=kind, type=kind))["options"] == []
    for kind in ("radio", "select"):
        assert (await add(admin, label=kind, type=kind, options=["a", "b"]))["type"] == kind


async def test_rename_and_retype_keep_the_key(admin: httpx.AsyncClient) -> None:
    field = await add(admin, label="ご用件")
    r = await admin.patch(f"/api/admin/fields/{field['id']}",
                          json={"label": "お問い合わせ種別", "type": "radio",
                                "options": ["商品", "配送"], "ask_before_chat": True})
    assert r.status_code == 200
    changed = r.json()
    assert changed["key"] == field["key"] and changed["label"] == "お問い合わせ種別"
    assert changed["type"] == "radio" and changed["ask_before_chat"] is True
    r = await admin.patch(f"/api/admin/fields/{field['id']}", json={"type": "text"})
    assert r.json()["options"] == []


async def test_reorder(admin: httpx.AsyncClient, anon: httpx.AsyncClient,
                       store: StoreInfo) -> None:
    ids = [f["id"] for f in await fields(admin)]
    r = await admin.put("/api/admin/fields/order", json={"ids": ids[::-1]})
    assert r.status_code == 200
    assert [f["key"] for f in r.json()["fields"]] == DEFAULT_KEYS[::-1]
    # Every shown field once, nothing else.
    for bad in (ids[1:], [*ids, ids[0]], [*ids[1:], "0" * 32]):
        r = await admin.put("/api/admin/fields/order", json={"ids": bad})
        assert r.status_code == 409, bad


async def test_removing_hides_the_field_and_keeps_the_values(
    web: Site, db: Database, admin: httpx.AsyncClient, anon: httpx.AsyncClient,
    store: StoreInfo,
) -> None:
    field = await add(admin, label="ご用件", ask_before_chat=True)
    guest_id = await create_guest(db, store_id=store.store_id)
    async with db.write() as session:  # as staff would have saved it in S3.1
        row = await session.get(GuestRow, guest_id)
        assert row is not None
        row.profile = {field["key"]: "返品について"}
        await session.commit()

    assert (await admin.delete(f"/api/admin/fields/{field['id']}")).status_code == 204
    assert await widget_fields(anon, store) == []
    listed = await fields(admin)
    assert listed[-1]["id"] == field["id"] and listed[-1]["removed"] is True
    async with db.read() as session:
        row = await session.get(GuestRow, guest_id)
        assert row is not None and row.profile == {field["key"]: "返品について"}
    # A removed field can come back, at the end.
    r = await admin.patch(f"/api/admin/fields/{field['id']}", json={"removed": False})
    assert r.json()["removed"] is False
    assert [f["key"] for f in await widget_fields(anon, store)] == [field["key"]]


async def test_other_stores_fields_are_not_found(
    admin: httpx.AsyncClient, web: Site, other_store: StoreInfo
) -> None:
    from tests.api.helpers import login

    async with web.client() as other:
        await login(other, other_store.admin_login)
        theirs = (await fields(other))[0]["id"]
    assert (await admin.patch(f"/api/admin/fields/{theirs}", json={"label": "x"})).status_code \
        == 404
    assert (await admin.delete(f"/api/admin/fields/{theirs}")).status_code == 404
    mine = [f["id"] for f in await fields(admin)]
    r = await admin.put("/api/admin/fields/order", json={"ids": [*mine[1:], theirs]})
    assert r.status_code == 409
