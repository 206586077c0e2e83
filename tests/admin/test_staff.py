"""A1: staff editing — add, edit, limit (effective at once), disable, reset password."""

from __future__ import annotations

import httpx
import pytest

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import PASSWORD, StoreInfo, create_staff
from tests.realtime.clients import Guest, Staff
from tests.servers import Site, ThreadServer

NEW = {"login_id": "hanako", "password": "hanako-pass-1", "name": "花子",
       "email": "hanako@example.jp", "role": "agent", "max_chats": 2}


async def test_add_list_and_edit(admin: httpx.AsyncClient) -> None:
    r = await admin.post("/api/staff", json=NEW)
    assert r.status_code == 201, r.text
    created = r.json()
    assert {k: created[k] for k in ("login_id", "name", "email", "role", "max_chats")} == {
        k: v for k, v in NEW.items() if k != "password"}
    listed = (await admin.get("/api/staff")).json()["staff"]
    assert [s["login_id"] for s in listed][-1] == "hanako"
    r = await admin.patch(f"/api/staff/{created['id']}",
                          json={"name": "山田花子", "email": "h@example.jp", "role": "admin",
                                "max_chats": 9})
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["role"], r.json()["max_chats"]) == ("山田花子", "admin", 9)


@pytest.mark.parametrize("body", [{"max_chats": 0}, {"max_chats": 10}, {"role": "owner"},
                                  {"name": ""}])
async def test_invalid_edits_are_refused(admin: httpx.AsyncClient, agent_id: str,
                                         body: dict[str, object]) -> None:
    r = await admin.patch(f"/api/staff/{agent_id}", json=body)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "bad_frame"


async def test_email_addresses_are_checked(admin: httpx.AsyncClient, agent_id: str) -> None:
    r = await admin.post("/api/staff", json={**NEW, "email": "hanako@@example"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "メールアドレスの形式が正しくありません。"
    r = await admin.patch(f"/api/staff/{agent_id}", json={"email": "bad\r\nBcc: x@example.jp"})
    assert r.status_code == 400
    r = await admin.patch(f"/api/staff/{agent_id}", json={"email": " ok@example.jp "})
    assert r.json()["email"] == "ok@example.jp"
    r = await admin.patch(f"/api/staff/{agent_id}", json={"email": ""})
    assert r.json()["email"] is None


async def test_login_ids_are_unique(admin: httpx.AsyncClient) -> None:
    assert (await admin.post("/api/staff", json=NEW)).status_code == 201
    r = await admin.post("/api/staff", json=NEW)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "このログインIDはすでに使われています。"


async def test_disable_signs_the_member_out(
    admin: httpx.AsyncClient, agent: httpx.AsyncClient, agent_id: str
) -> None:
    assert (await agent.get("/api/auth/me")).status_code == 200
    r = await admin.patch(f"/api/staff/{agent_id}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert (await agent.get("/api/auth/me")).status_code == 401
    r = await agent.post("/api/auth/login",
                         json={"login_id": r.json()["login_id"], "password": PASSWORD})
    assert r.status_code == 401


async def test_reset_password(admin: httpx.AsyncClient, agent: httpx.AsyncClient,
                              agent_id: str, web: Site) -> None:
    login_id = (await agent.get("/api/auth/me")).json()["staff"]["login_id"]
    r = await admin.patch(f"/api/staff/{agent_id}", json={"password": "brand-new-pass"})
    assert r.status_code == 200
    assert (await agent.get("/api/auth/me")).status_code == 401
    async with web.client() as c:
        old = await c.post("/api/auth/login", json={"login_id": login_id, "password": PASSWORD})
        assert old.status_code == 401
        await login(c, login_id, "brand-new-pass")


async def test_an_admin_cannot_lock_themself_out(admin: httpx.AsyncClient,
                                                 store: StoreInfo) -> None:
    for body in ({"active": False}, {"role": "agent"}):
        r = await admin.patch(f"/api/staff/{store.admin_id}", json=body)
        assert r.status_code == 409
        assert r.json()["error"]["message"].startswith("自分自身を無効にしたり")
    assert (await admin.patch(f"/api/staff/{store.admin_id}", json={"max_chats": 5})
            ).status_code == 200


async def test_other_stores_staff_are_not_found(admin: httpx.AsyncClient, db: Database,
                                                other_store: StoreInfo) -> None:
    theirs = await create_staff(db, store_id=other_store.store_id)
    r = await admin.patch(f"/api/staff/{theirs}", json={"max_chats": 1})
    assert r.status_code == 404
    r = await admin.patch(f"/api/staff/{other_store.admin_id}", json={"active": False})
    assert r.status_code == 404
    listed = (await admin.get("/api/staff")).json()["staff"]
    assert theirs not in {s["id"] for s in listed}


async def test_a_new_limit_changes_availability_at_once(
    server: ThreadServer, db: Database, admin: httpx.AsyncClient, store: StoreInfo
) -> None:
    await create_staff(db, store_id=store.store_id, login_id="solo", max_chats=1)
    agent_id = (await admin.get("/api/staff")).json()["staff"][-1]["id"]
    solo = await Staff.connect(server.url, server.ws_url, "solo")
    first = await Guest.connect(server.ws_url, store.widget_key)
    assert first.welcome["availability"] == "waiting"
    conversation = await first.start("一人目")
    await solo.claim(conversation["id"])
    second = await Guest.connect(server.ws_url, store.widget_key)
    assert second.welcome["availability"] == "busy"

    r = await admin.patch(f"/api/staff/{agent_id}", json={"max_chats": 2})
    assert r.status_code == 200
    await second.expect("availability", lambda f: f["status"] == "waiting")
    online = await solo.expect("online", lambda f: f["staff"][0]["max_chats"] == 2)
    assert online["staff"][0]["active_chats"] == 1

    await admin.patch(f"/api/staff/{agent_id}", json={"max_chats": 1})
    await second.expect("availability", lambda f: f["status"] == "busy")
    for client in (first, second, solo):
        await client.close()
