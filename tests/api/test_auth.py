"""Staff authentication over HTTP (protocol §7; issue: foundation)."""

from __future__ import annotations

import httpx

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import PASSWORD, create_staff, create_store
from tests.servers import Site


async def test_login_me_logout(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db, name="茶房")
    r = await client.post(
        "/api/auth/login", json={"login_id": store.admin_login, "password": PASSWORD}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["staff"]["role"] == "admin"
    assert body["staff"]["store"]["name"] == "茶房"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    me = await client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["csrf_token"] == body["csrf_token"]
    assert me.json()["staff"]["login_id"] == store.admin_login
    # Logging out without the CSRF header is refused; with it, the session ends.
    assert (await client.post("/api/auth/logout")).status_code == 403
    r = await client.post("/api/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 204
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_wrong_password_and_unknown_login_answer_alike(
    client: httpx.AsyncClient, db: Database
) -> None:
    store = await create_store(db)
    wrong = await client.post(
        "/api/auth/login", json={"login_id": store.admin_login, "password": "nope-nope-nope"}
    )
    unknown = await client.post(
        "/api/auth/login", json={"login_id": "nobody-here", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "unauthorized"
    assert "set-cookie" not in wrong.headers


async def test_error_messages_are_localised(client: httpx.AsyncClient) -> None:
    payload = {"login_id": "x", "password": "y"}
    ja = await client.post("/api/auth/login", json=payload)
    en = await client.post("/api/auth/login", json=payload, headers={"Accept-Language": "en-US"})
    assert ja.json()["error"]["message"] == "ログインIDまたはパスワードが違います。"
    assert en.json()["error"]["message"] == "Wrong login ID or password."


async def test_csrf_required_on_state_changing_calls(
    client: httpx.AsyncClient, db: Database
) -> None:
    store = await create_store(db)
    token = await login(client, store.admin_login)
    new = {"login_id": "agent-x", "password": "long-enough-pw", "name": "X"}
    del client.headers["X-CSRF-Token"]
    assert (await client.post("/api/staff", json=new)).status_code == 403
    r = await client.post("/api/staff", json=new, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    r = await client.post("/api/staff", json=new, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


async def test_login_requires_json(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db)
    r = await client.post(
        "/api/auth/login", data={"login_id": store.admin_login, "password": PASSWORD}
    )
    assert r.status_code in (400, 422)


async def test_session_rotated_at_login(web: Site, db: Database) -> None:
    store = await create_store(db)
    async with web.client() as c:
        await login(c, store.admin_login)
        first = c.cookies.get("chats_session")
        await login(c, store.admin_login)
        second = c.cookies.get("chats_session")
        assert first and second and first != second
        # The old session no longer works.
        async with web.client(cookies={"chats_session": first}) as old:
            assert (await old.get("/api/auth/me")).status_code == 401


async def test_password_change_and_disable_revoke_sessions(
    web: Site, db: Database
) -> None:
    store = await create_store(db)
    agent_id = await create_staff(db, store_id=store.store_id, login_id="agent-a")
    async with web.client() as admin, web.client() as agent:
        await login(admin, store.admin_login)
        await login(agent, "agent-a")
        r = await admin.patch(f"/api/staff/{agent_id}", json={"password": "a-new-password"})
        assert r.status_code == 200
        assert (await agent.get("/api/auth/me")).status_code == 401
        await login(agent, "agent-a", "a-new-password")
        r = await admin.patch(f"/api/staff/{agent_id}", json={"active": False})
        assert r.status_code == 200
        assert (await agent.get("/api/auth/me")).status_code == 401
        r = await agent.post(
            "/api/auth/login", json={"login_id": "agent-a", "password": "a-new-password"}
        )
        assert r.status_code == 401


async def test_agents_are_refused_admin_calls(client: httpx.AsyncClient, db: Database) -> None:
    store = await create_store(db)
    agent_id = await create_staff(db, store_id=store.store_id, login_id="agent-b")
    await login(client, "agent-b")
    r = await client.post(
        "/api/staff", json={"login_id": "sneaky", "password": "long-enough-pw"}
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert (await client.patch(f"/api/staff/{agent_id}", json={"max_chats": 9})).status_code == 403


async def test_no_session_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/auth/me")).status_code == 401
    assert (await client.get("/api/staff")).status_code == 401


async def test_staff_of_another_store_cannot_be_edited(
    client: httpx.AsyncClient, db: Database
) -> None:
    mine = await create_store(db)
    other = await create_store(db)
    await login(client, mine.admin_login)
    r = await client.patch(f"/api/staff/{other.admin_id}", json={"name": "hijacked"})
    assert r.status_code == 404
    listed = (await client.get("/api/staff")).json()["staff"]
    assert [s["id"] for s in listed] == [mine.admin_id]
