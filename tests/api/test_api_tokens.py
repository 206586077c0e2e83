"""API tokens (issue 17 item 1): made in the admin menu, shown once, stored hashed, last-used
time, revoked at once; accepted only as `Authorization: Bearer` on /api/v1."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from chats.db.engine import Database
from chats.db.models import ApiToken
from chats.ids import token_hash
from tests.console.helpers import staff_client, two_stores
from tests.servers import Site


async def make_token(admin: httpx.AsyncClient, name: str = "CRM", scope: str = "read") -> str:
    """A new token through the admin API; its value."""
    r = await admin.post("/api/admin/tokens", json={"name": name, "scope": scope})
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_is_shown_once_and_stored_hashed(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        r = await admin.post("/api/admin/tokens", json={"name": " 受注システム ", "scope": "write"})
        assert r.status_code == 201, r.text
        created = r.json()
        secret = created["token"]
        assert secret.startswith("chats_") and len(secret) > 40
        assert created["name"] == "受注システム" and created["scopes"] == ["read", "write"]
        assert created["hint"] == secret[:12] and created["last_used_at"] is None
        assert created["created_at"].endswith("Z")
        listed = (await admin.get("/api/admin/tokens")).json()["tokens"]
        assert [t["id"] for t in listed] == [created["id"]]
        assert "token" not in listed[0] and secret not in (await admin.get(
            "/api/admin/tokens")).text
    async with db.read() as session:
        row = await session.scalar(select(ApiToken).where(ApiToken.id == created["id"]))
    assert row is not None and row.token_hash == token_hash(secret)
    assert secret not in repr(tuple(getattr(row, c.key) for c in ApiToken.__table__.columns))
    async with staff_client(web, s.b.admin_login) as other:
        assert (await other.get("/api/admin/tokens")).json()["tokens"] == []


async def test_agents_cannot_manage_tokens(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.agent_login) as agent:
        r = await agent.post("/api/admin/tokens", json={"name": "x"})
        assert r.status_code == 403
        assert (await agent.get("/api/admin/tokens")).status_code == 403


async def test_blank_name_is_refused(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        r = await admin.post("/api/admin/tokens", json={"name": "   "})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_frame"
        r = await admin.post("/api/admin/tokens", json={"name": "x", "scope": "admin"})
        assert r.status_code == 422


async def test_last_use_is_recorded_and_revoke_is_immediate(web: Site,
                                                            db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        token = await make_token(admin)
        token_id = (await admin.get("/api/admin/tokens")).json()["tokens"][0]["id"]
        async with web.client() as api:
            r = await api.get("/api/v1/conversations", headers=bearer(token))
            assert r.status_code == 200, r.text
            listed = (await admin.get("/api/admin/tokens")).json()["tokens"][0]
            assert listed["last_used_at"] is not None
            r = await admin.post(f"/api/admin/tokens/{token_id}/revoke")
            assert r.status_code == 200 and r.json()["revoked_at"] is not None
            r = await api.get("/api/v1/conversations", headers=bearer(token))
            assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
            assert r.headers["www-authenticate"].startswith("Bearer")
        # Another store's admin cannot revoke it (nor learn that it exists).
    async with staff_client(web, s.b.admin_login) as other:
        r = await other.post(f"/api/admin/tokens/{token_id}/revoke")
        assert r.status_code == 404


async def test_token_only_in_the_authorization_header(web: Site,
                                                      db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        token = await make_token(admin, scope="write")
    async with web.client() as api:
        assert (await api.get("/api/v1/conversations",
                              params={"access_token": token})).status_code == 401
        api.cookies.set("chats_session", token)
        assert (await api.get("/api/v1/conversations")).status_code == 401
        # A staff route ignores the header: the token is no session.
        api.cookies.clear()
        r = await api.get("/api/admin/tokens", headers=bearer(token))
        assert r.status_code == 401
        r = await api.post("/api/staff", headers=bearer(token),
                           json={"login_id": "new-one", "name": "x", "password": "p" * 16})
        assert r.status_code == 401
        assert (await api.get("/api/v1/conversations", headers=bearer(token + "x"))
                ).status_code == 401
        assert (await api.get("/api/v1/conversations", headers={"Authorization": token})
                ).status_code == 401


async def test_staff_cookies_are_not_accepted_by_the_rest_api(web: Site,
                                                              db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        r = await admin.get("/api/v1/conversations")
        assert r.status_code == 401


async def test_openapi_declares_the_bearer_scheme(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        doc = (await admin.get("/api/openapi.json")).json()
    scheme = doc["components"]["securitySchemes"]["ApiToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, item in doc["paths"].items():
        for operation in item.values():
            has = {"ApiToken": []} in operation.get("security", [])
            assert has == path.startswith("/api/v1/"), path
