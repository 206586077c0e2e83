"""The audit log (issue 17 item 5) through HTTP: every kind of action leaves one entry with
its actor, client address and details; only the store's own admins read it; CSV for Excel;
the retention purge deletes old entries only."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pyotp
import pytest
from sqlalchemy import func, select

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import AuditEntry
from chats.domain.audit import CSV_COLUMNS, ActorKind, AuditAction
from chats.ids import utcnow
from chats.services.audit import AuditSweeper
from tests.admin.pictures import picture
from tests.api.helpers import login
from tests.factories import PASSWORD, StoreInfo
from tests.mail.helpers import add_guest
from tests.servers import ThreadServer, http_client

CLIENT = "203.0.113.7"  # the address the trusted proxy (the test's own 127.0.0.1) forwards


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server trusts 127.0.0.1 as its reverse proxy, so X-Forwarded-For names the client."""
    return settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})


@pytest.fixture
async def proxied(server: ThreadServer, store: StoreInfo) -> AsyncIterator[httpx.AsyncClient]:
    """The store's admin, logged in, reaching the server through the proxy from CLIENT."""
    async with http_client(base_url=server.url, timeout=10,
                           headers={"X-Forwarded-For": CLIENT}) as c:
        await login(c, store.admin_login)
        yield c


async def _entries(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    r = await client.get("/api/admin/audit", params=params)
    assert r.status_code == 200, r.text
    entries: list[dict[str, object]] = r.json()["entries"]
    return entries


async def _count(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def _ok(response: httpx.Response) -> dict[str, object]:
    assert response.status_code < 300, response.text
    return response.json() if response.content else {}


async def _staff_actions(admin: httpx.AsyncClient) -> tuple[list[tuple[str, str | None]], str]:
    """Create, change, reset and disable a member; the entries they must leave."""
    member = await _ok(await admin.post("/api/staff", json={
        "login_id": "hanako", "password": "hanako-pass-1", "name": "花子", "role": "agent"}))
    sid = str(member["id"])
    await _ok(await admin.patch(f"/api/staff/{sid}", json={"name": "山田花子", "max_chats": 5}))
    await _ok(await admin.patch(f"/api/staff/{sid}", json={"password": "a-new-pass-for-her"}))
    await _ok(await admin.delete(f"/api/staff/{sid}/two-factor"))
    await _ok(await admin.patch(f"/api/staff/{sid}", json={"active": False}))
    return [(AuditAction.STAFF_CREATED, sid), (AuditAction.STAFF_CHANGED, sid),
            (AuditAction.STAFF_PASSWORD_RESET, sid), (AuditAction.STAFF_TWO_FACTOR_RESET, sid),
            (AuditAction.STAFF_DISABLED, sid)], sid


async def _own_security(admin: httpx.AsyncClient, store: StoreInfo
                        ) -> list[tuple[str, str | None]]:
    """The admin's own second factor on and off, a new password, the store's 2FA rule."""
    secret = (await _ok(await admin.post("/api/auth/two-factor/setup")))["secret"]
    code = pyotp.TOTP(str(secret)).now()
    await _ok(await admin.post("/api/auth/two-factor/confirm", json={"code": code}))
    await _ok(await admin.post("/api/auth/two-factor/disable", json={"password": PASSWORD}))
    await _ok(await admin.post("/api/auth/password", json={
        "current_password": PASSWORD, "new_password": "a-brand-new-admin-pass"}))
    await _ok(await admin.put("/api/admin/two-factor", json={"required": False}))  # no change
    await _ok(await admin.put("/api/admin/two-factor", json={"required": True}))
    me = store.admin_id
    return [(AuditAction.TWO_FACTOR_ENABLED, me), (AuditAction.TWO_FACTOR_DISABLED, me),
            (AuditAction.PASSWORD_CHANGED, me), (AuditAction.TWO_FACTOR_REQUIRED, None)]


async def _settings_actions(admin: httpx.AsyncClient) -> list[tuple[str, str | None]]:
    await _ok(await admin.patch("/api/admin/theme", json={"header_bg": "#112233"}))
    await _ok(await admin.put("/api/admin/buttons/away",
                              files={"file": ("away.png", picture(100, 120), "image/png")}))
    await _ok(await admin.delete("/api/admin/buttons/away"))
    await _ok(await admin.put("/api/admin/logo",
                              files={"file": ("logo.png", picture(200, 60), "image/png")}))
    await _ok(await admin.delete("/api/admin/logo"))
    await _ok(await admin.put("/api/admin/embed", json={"origins": ["https://shop.example.jp"]}))
    return [(AuditAction.SETTINGS_THEME, None), (AuditAction.SETTINGS_BUTTON, None),
            (AuditAction.SETTINGS_BUTTON, None), (AuditAction.SETTINGS_LOGO, None),
            (AuditAction.SETTINGS_LOGO, None), (AuditAction.SETTINGS_EMBED, None)]


async def test_each_action_leaves_one_entry_with_actor_address_and_details(
    proxied: httpx.AsyncClient, store: StoreInfo, db: Database, server: ThreadServer
) -> None:
    expected, sid = await _staff_actions(proxied)
    expected += await _own_security(proxied, store)
    expected += await _settings_actions(proxied)
    token = await _ok(await proxied.post("/api/admin/tokens",
                                         json={"name": "受注システム", "scope": "write"}))
    guest = await add_guest(db, store_id=store.store_id, nickname="迷惑な客")
    await _ok(await proxied.patch(f"/api/guests/{guest.guest_id}", json={"blacklisted": True}))
    async with http_client(base_url=server.url, timeout=10, headers={
            "Authorization": f"Bearer {token['token']}", "X-Forwarded-For": "198.51.100.9"}) as api:
        await _ok(await api.patch(f"/api/v1/guests/{guest.guest_id}",
                                  json={"blacklisted": False}))
    await _ok(await proxied.post(f"/api/admin/tokens/{token['id']}/revoke"))
    await _ok(await proxied.post(f"/api/admin/tokens/{token['id']}/revoke"))  # already: no entry
    expected += [(AuditAction.TOKEN_CREATED, str(token["id"])),
                 (AuditAction.GUEST_BLACKLISTED, guest.guest_id),
                 (AuditAction.GUEST_UNBLACKLISTED, guest.guest_id),
                 (AuditAction.TOKEN_REVOKED, str(token["id"]))]

    entries = list(reversed(await _entries(proxied)))  # oldest first, as they were made
    assert [(e["action"], e["target_id"]) for e in entries] == expected
    by_token = [e for e in entries if e["actor_kind"] == ActorKind.TOKEN]
    assert [(e["actor_name"], e["actor_id"], e["address"]) for e in by_token] == [
        ("受注システム", token["id"], "198.51.100.9")]
    by_staff = [e for e in entries if e["actor_kind"] == ActorKind.STAFF]
    assert {(e["actor_name"], e["actor_id"], e["address"]) for e in by_staff} == {
        (store.admin_login, store.admin_id, CLIENT)}
    details = {str(e["action"]): e["details"] for e in entries}
    assert details[AuditAction.STAFF_CREATED] == {"login_id": "hanako", "name": "花子",
                                                  "role": "agent"}
    assert details[AuditAction.STAFF_CHANGED] == {
        "login_id": "hanako", "fields": {"name": "山田花子", "max_chats": 5}}
    assert details[AuditAction.STAFF_DISABLED] == {"login_id": "hanako"}
    assert details[AuditAction.TWO_FACTOR_REQUIRED] == {"required": True}
    assert details[AuditAction.SETTINGS_THEME] == {"colours": {"header_bg": "#112233"}}
    assert details[AuditAction.SETTINGS_EMBED] == {"origins": ["https://shop.example.jp"]}
    assert details[AuditAction.TOKEN_CREATED] == {"name": "受注システム", "scope": "write"}
    assert details[AuditAction.GUEST_BLACKLISTED] == {"nickname": "迷惑な客"}
    assert "hanako-pass" not in str(entries) and "a-new-pass" not in str(entries)
    assert sid


async def test_a_refused_action_leaves_no_entry(admin: httpx.AsyncClient, db: Database,
                                                other_store: StoreInfo) -> None:
    body = {"login_id": "taro", "password": "taro-pass-12345", "role": "agent"}
    await _ok(await admin.post("/api/staff", json=body))
    before = await _count(db)
    assert (await admin.post("/api/staff", json=body)).status_code == 409  # rolled back
    assert (await admin.post("/api/admin/tokens/nope/revoke")).status_code == 404
    assert (await admin.patch("/api/admin/theme", json={"header_bg": "red"})).status_code == 400
    assert await _count(db) == before


async def test_only_the_stores_own_admins_read_it(
    admin: httpx.AsyncClient, agent: httpx.AsyncClient, anon: httpx.AsyncClient,
    server: ThreadServer, other_store: StoreInfo,
) -> None:
    await _ok(await admin.put("/api/admin/embed", json={"origins": ["https://a.example"]}))
    assert len(await _entries(admin)) == 1
    async with http_client(base_url=server.url, timeout=10) as other:
        await login(other, other_store.admin_login)
        assert await _entries(other) == []
        csv_text = (await other.get("/api/admin/audit.csv")).content.decode("utf-8-sig")
        assert csv_text == ",".join(CSV_COLUMNS) + "\r\n"
    for path in ("/api/admin/audit", "/api/admin/audit.csv"):
        r = await agent.get(path)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
        assert (await anon.get(path)).status_code == 401


async def test_filters_by_action_and_period_and_pages(admin: httpx.AsyncClient, db: Database,
                                                      store: StoreInfo) -> None:
    now = utcnow()
    async with db.write() as session:
        for i in range(55):
            session.add(AuditEntry(store_id=store.store_id, at=now - timedelta(minutes=i),
                                   action=AuditAction.SETTINGS_LOGO, actor_kind=ActorKind.STAFF,
                                   actor_name="x", address="192.0.2.1", details={}))
        session.add(AuditEntry(store_id=store.store_id, at=now - timedelta(days=40),
                               action=AuditAction.TOKEN_CREATED, actor_kind=ActorKind.STAFF,
                               actor_name="x", address="192.0.2.1", details={}))
        await session.commit()
    first = (await admin.get("/api/admin/audit")).json()
    assert (len(first["entries"]), first["has_more"]) == (50, True)
    second = (await admin.get("/api/admin/audit", params={"page": 2})).json()
    assert (len(second["entries"]), second["has_more"]) == (6, False)
    assert second["entries"][-1]["action"] == "token.created"
    only = await _entries(admin, action="token.created")
    assert [e["action"] for e in only] == ["token.created"]
    old_day = (now - timedelta(days=40)).astimezone().date()
    recent = await _entries(admin, **{"from": str(old_day + timedelta(days=2))})
    assert {e["action"] for e in recent} == {"settings.logo"}
    around = await _entries(admin, **{"from": str(old_day - timedelta(days=1)),
                                      "to": str(old_day + timedelta(days=1))})
    assert [e["action"] for e in around] == ["token.created"]
    r = await admin.get("/api/admin/audit", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "bad_frame")
    assert (await admin.get("/api/admin/audit", params={"action": "nope"})).status_code == 422


async def test_csv_opens_in_excel_with_the_bom_and_columns(
    admin: httpx.AsyncClient, server: ThreadServer, db: Database, store: StoreInfo
) -> None:
    token = await _ok(await admin.post("/api/admin/tokens",
                                       json={"name": "=HYPERLINK(\"x\")", "scope": "write"}))
    guest = await add_guest(db, store_id=store.store_id, nickname="山田")
    async with http_client(base_url=server.url, timeout=10,
                           headers={"Authorization": f"Bearer {token['token']}"}) as api:
        await _ok(await api.patch(f"/api/v1/guests/{guest.guest_id}",
                                  json={"blacklisted": True}))
    r = await admin.get("/api/admin/audit.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="chats-audit-')
    assert r.content.startswith(b"\xef\xbb\xbf")
    text = r.content[3:].decode("utf-8")
    assert text.count("\r\n") == 3 and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    newest = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert newest["action"] == "guest.blacklisted"
    assert newest["actor_kind"] == "token"
    assert newest["actor"] == "'=HYPERLINK(\"x\")"  # shown as text, never run as a formula
    assert newest["target_id"] == guest.guest_id
    assert "山田" in newest["details"]
    oldest = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert (oldest["action"], oldest["actor"]) == ("token.created", store.admin_login)
    only = (await admin.get("/api/admin/audit.csv", params={"action": "token.created"})).content
    assert only.decode("utf-8-sig").count("\r\n") == 2


async def test_the_retention_purge_deletes_only_old_entries(
    admin: httpx.AsyncClient, db: Database, store: StoreInfo, other_store: StoreInfo,
    settings: Settings,
) -> None:
    assert settings.audit_retention_days == 365
    now = utcnow()
    async with db.write() as session:
        for store_id, days in ((store.store_id, 366), (store.store_id, 364),
                               (other_store.store_id, 400), (store.store_id, 1)):
            session.add(AuditEntry(store_id=store_id, at=now - timedelta(days=days),
                                   action=AuditAction.SETTINGS_THEME, actor_kind=ActorKind.STAFF,
                                   actor_name=f"{days}", address="192.0.2.1", details={}))
        await session.commit()
    sweeper = AuditSweeper(db, settings.audit_retention_days)
    assert await sweeper.run_once() == 2
    assert await sweeper.run_once() == 0
    assert [e["actor_name"] for e in await _entries(admin)] == ["1", "364"]
    assert await AuditSweeper(db, 1, clock=lambda: now + timedelta(days=1)).run_once() == 2
    assert await _count(db) == 0
