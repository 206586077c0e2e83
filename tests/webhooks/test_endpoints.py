"""Webhook endpoints in the admin menu (issue 17 item 3): made with a secret shown once, listed,
changed, removed; admins of the store only, CSRF, audited; private addresses refused."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import AuditEntry, Webhook
from tests.console.helpers import staff_client, two_stores
from tests.servers import InProcessApp, Site
from tests.webhooks.receiver import Receiver

EVENTS = ["message.created", "conversation.created"]


async def make_webhook(admin: httpx.AsyncClient, url: str,
                       events: list[str] | None = None) -> dict[str, object]:
    """A new endpoint through the admin API (its answer, secret included)."""
    r = await admin.post("/api/admin/webhooks", json={"url": url, "events": events or EVENTS})
    assert r.status_code == 201, r.text
    created: dict[str, object] = r.json()
    return created


async def test_an_endpoint_is_made_listed_changed_and_removed(
        web: Site, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        created = await make_webhook(admin, f"  {receiver.url}  ")
        secret = str(created["secret"])
        assert secret.startswith("whsec_") and len(secret) > 30
        assert created["url"] == receiver.url and created["active"] is True
        # Canonical order, whatever order they were asked in.
        assert created["events"] == ["conversation.created", "message.created"]
        listed = (await admin.get("/api/admin/webhooks")).json()
        assert [w["id"] for w in listed["webhooks"]] == [created["id"]]
        assert secret not in (await admin.get("/api/admin/webhooks")).text
        assert "guest.blacklisted" in listed["events"]
        hook_id = created["id"]
        r = await admin.patch(f"/api/admin/webhooks/{hook_id}",
                              json={"events": ["guest.blacklisted"], "active": False})
        assert r.status_code == 200, r.text
        assert r.json()["events"] == ["guest.blacklisted"] and r.json()["active"] is False
        async with staff_client(web, s.b.admin_login) as other:
            assert (await other.get("/api/admin/webhooks")).json()["webhooks"] == []
            for call in (other.patch(f"/api/admin/webhooks/{hook_id}", json={"active": True}),
                         other.delete(f"/api/admin/webhooks/{hook_id}"),
                         other.get(f"/api/admin/webhooks/{hook_id}/deliveries")):
                assert (await call).status_code == 404
        assert (await admin.delete(f"/api/admin/webhooks/{hook_id}")).status_code == 204
        assert (await admin.get("/api/admin/webhooks")).json()["webhooks"] == []
    async with db.read() as session:
        actions = list(await session.scalars(
            select(AuditEntry.action).where(AuditEntry.store_id == s.a.store_id,
                                            AuditEntry.target_id == hook_id)
            .order_by(AuditEntry.at)))
    assert actions == ["webhook.created", "webhook.changed", "webhook.deleted"]


async def test_agents_and_requests_without_csrf_are_refused(
        web: Site, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.agent_login) as agent:
        assert (await agent.get("/api/admin/webhooks")).status_code == 403
        r = await agent.post("/api/admin/webhooks", json={"url": receiver.url, "events": EVENTS})
        assert r.status_code == 403
    async with staff_client(web, s.a.admin_login) as admin:
        del admin.headers["X-CSRF-Token"]
        r = await admin.post("/api/admin/webhooks", json={"url": receiver.url, "events": EVENTS})
        assert r.status_code == 403 and r.json()["error"]["message"]
    async with db.read() as session:
        assert list(await session.scalars(select(Webhook))) == []


async def test_bad_input_is_refused_and_changes_nothing(
        web: Site, db: Database, receiver: Receiver) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        admin.headers["Accept-Language"] = "ja"
        for body in ({"url": receiver.url, "events": []},
                     {"url": receiver.url, "events": ["order.paid"]},
                     {"url": receiver.url, "events": EVENTS, "secret": "mine"}):
            assert (await admin.post("/api/admin/webhooks", json=body)).status_code == 422
        for url in ("ftp://127.0.0.1/x", "http:///nohost", "javascript:alert(1)"):
            r = await admin.post("/api/admin/webhooks", json={"url": url, "events": EVENTS})
            assert r.status_code == 400, url
            assert r.json()["error"]["message"] == (
                "URL は http:// または https:// で始まる正しい形で入力してください。")
        r = await admin.post("/api/admin/webhooks",
                             json={"url": "http://no-such-host.invalid/", "events": EVENTS})
        assert r.status_code == 400 and "解決" in r.json()["error"]["message"]
    async with db.read() as session:
        assert list(await session.scalars(select(Webhook))) == []


async def test_private_addresses_are_refused_unless_allowed(
        settings: Settings, db: Database, receiver: Receiver) -> None:
    strict = settings.model_copy(update={"webhooks_allow_private": False})
    s = await two_stores(db)
    async with InProcessApp(strict) as app, staff_client(app, s.a.admin_login) as admin:
        admin.headers["Accept-Language"] = "en"
        for url in (receiver.url, "http://localhost:9/x", "http://10.0.0.8/x",
                    "http://169.254.169.254/latest/meta-data", "http://[::1]:9/x",
                    "http://[::ffff:127.0.0.1]/x", "http://0.0.0.0/x", "http://100.64.0.1/"):
            r = await admin.post("/api/admin/webhooks", json={"url": url, "events": EVENTS})
            assert r.status_code == 400, url
            assert "private, loopback, link-local" in r.json()["error"]["message"], url
    async with db.read() as session:
        assert list(await session.scalars(select(Webhook))) == []
    async with InProcessApp(settings) as app, staff_client(app, s.a.admin_login) as admin:
        await make_webhook(admin, receiver.url)
