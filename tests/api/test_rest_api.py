"""The REST API for integrators (issue 17 item 2), through HTTP with API tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx

from chats.config import Settings
from chats.db.engine import Database
from tests.api.test_api_tokens import make_token
from tests.console.helpers import TwoStores, open_chat, staff_client, two_stores
from tests.factories import create_guest, create_past_conversation
from tests.servers import InProcessApp, Site, ThreadServer

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@asynccontextmanager
async def api_client(site: Site, admin_login: str, scope: str = "read"
                     ) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client carrying a new token of the admin's store, and no cookie."""
    async with staff_client(site, admin_login) as admin:
        token = await make_token(admin, scope=scope)
    async with site.client() as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


async def _past(db: Database, s: TwoStores, n: int) -> tuple[str, list[str]]:
    """n ended conversations of one guest of A, a day apart from T0; (guest, ids newest first)."""
    guest = await create_guest(db, store_id=s.a.store_id, nickname="すずき")
    ids = [await create_past_conversation(db, store_id=s.a.store_id, guest_id=guest,
                                          created_at=T0 + timedelta(days=i),
                                          staff_id=s.agent_id if i % 2 else None)
           for i in range(n)]
    return guest, ids[::-1]


async def test_conversations_page_with_a_cursor(web: Site, db: Database) -> None:
    s = await two_stores(db)
    guest, ids = await _past(db, s, 5)
    async with api_client(web, s.a.admin_login) as api:
        seen: list[str] = []
        cursor = None
        for _ in range(3):
            params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
            r = await api.get("/api/v1/conversations", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            seen += [c["id"] for c in body["conversations"]]
            cursor = body["next_cursor"]
        assert seen == ids and cursor is None
        first = (await api.get(f"/api/v1/conversations/{ids[0]}")).json()
        assert first["created_at"] == "2025-03-05T09:00:00Z" and first["status"] == "ended"
        assert first["guest_id"] == guest
        r = await api.get("/api/v1/conversations", params={"cursor": "not-a-cursor"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_frame"
        assert r.json()["error"]["message"]


async def test_conversation_filters(web: Site, db: Database) -> None:
    s = await two_stores(db)
    guest, ids = await _past(db, s, 4)
    other = await create_guest(db, store_id=s.a.store_id)
    lone = await create_past_conversation(db, store_id=s.a.store_id, guest_id=other,
                                          created_at=T0)
    async with api_client(web, s.a.admin_login) as api:
        async def found(**params: str) -> list[str]:
            r = await api.get("/api/v1/conversations", params=params)
            assert r.status_code == 200, r.text
            return [c["id"] for c in r.json()["conversations"]]

        assert await found(guest_id=guest) == ids
        assert await found(guest_id=other) == [lone]
        assert await found(staff_id=s.agent_id) == [ids[0], ids[2]]
        assert await found(status="ended", guest_id=guest) == ids
        assert await found(status="active") == []
        assert await found(created_from="2025-03-02T09:00:00Z",
                           created_to="2025-03-04T09:00:00+00:00") == [ids[1], ids[2]]
        # A time without an offset is UTC; 18:00 in Tokyo is 09:00 UTC.
        assert await found(created_from="2025-03-04T09:00:00") == [ids[0]]
        assert await found(created_from="2025-03-04T18:00:00+09:00") == [ids[0]]
        r = await api.get("/api/v1/conversations", params={"status": "lost"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "bad_frame"
    async with api_client(web, s.b.admin_login) as other_store:
        assert (await other_store.get("/api/v1/conversations")).json() == {
            "conversations": [], "next_cursor": None}


async def test_messages_page_by_seq_and_end(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.agent_login, nickname="はなこ")
    for i in range(3):
        await chat.guest.say(f"質問{i}")
    await chat.staff.say(chat.conversation_id, "お答えします")
    async with api_client(server, s.a.admin_login, scope="write") as api:
        path = f"/api/v1/conversations/{chat.conversation_id}"
        pages: list[list[dict[str, object]]] = []
        after: int | None = 0
        while after is not None:
            r = await api.get(f"{path}/messages", params={"after_seq": after, "limit": 2})
            assert r.status_code == 200, r.text
            pages.append(r.json()["messages"])
            after = r.json()["next_after_seq"]
        flat = [m for page in pages for m in page]
        assert [m["seq"] for m in flat] == list(range(1, len(flat) + 1))
        assert [m["text"] for m in flat if m["author"] == "guest"] == ["質問0", "質問1", "質問2"]
        staff_line = next(m for m in flat if m["author"] == "staff")
        assert staff_line["staff"]["id"] == s.agent_id
        assert str(staff_line["created_at"]).endswith("Z")
        r = await api.post(f"{path}/end")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ended" and r.json()["ended_at"]
        # The guest and its staff member hear of it at once.
        await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
        await chat.staff.expect("conversation", lambda f: f["status"] == "ended")
        r = await api.post(f"{path}/end")
        assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
        r = await api.post("/api/v1/conversations/0123456789abcdef0123456789abcdef/end")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    await chat.guest.close()
    await chat.staff.close()


async def test_guests_search_read_update_and_blacklist(server: ThreadServer,
                                                       db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.agent_login, nickname="ヤマダ")
    quiet, _ = await _past(db, s, 1)
    async with staff_client(server, s.a.admin_login) as admin:
        r = await admin.post("/api/admin/fields", json={"label": "会員番号"})
        assert r.status_code == 201, r.text
        key = r.json()["key"]
    async with api_client(server, s.a.admin_login, scope="write") as api:
        r = await api.get("/api/v1/guests")
        assert {g["id"] for g in r.json()["guests"]} == {chat.guest.guest_id, quiet}
        r = await api.get("/api/v1/guests", params={"limit": 1})
        second = await api.get("/api/v1/guests", params={"limit": 1,
                                                         "cursor": r.json()["next_cursor"]})
        assert {r.json()["guests"][0]["id"], second.json()["guests"][0]["id"]} == {
            chat.guest.guest_id, quiet}
        found = (await api.get("/api/v1/guests", params={"q": "やまだ"})).json()["guests"]
        assert [g["id"] for g in found] == [chat.guest.guest_id]
        path = f"/api/v1/guests/{chat.guest.guest_id}"
        r = await api.patch(path, json={"profile": {key: "A-1024"}, "notes": "常連"})
        assert r.status_code == 200, r.text
        assert r.json()["profile"][key] == "A-1024" and r.json()["notes"] == "常連"
        await chat.staff.expect("guest_updated")
        assert (await api.get(path)).json()["profile"][key] == "A-1024"
        r = await api.patch(path, json={"profile": {"no_such_field": "x"}})
        assert r.status_code >= 400 and "error" in r.json()
        r = await api.patch(path, json={"blacklisted": True})
        assert r.status_code == 200 and r.json()["blacklisted"] is True
        # Blacklisting cuts the open chat off at once.
        await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
        listed = (await api.get("/api/v1/guests", params={"blacklisted": "true"})).json()
        assert [g["id"] for g in listed["guests"]] == [chat.guest.guest_id]
    async with api_client(server, s.a.admin_login, scope="read") as reader:
        r = await reader.patch(path, json={"notes": "上書き"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    async with api_client(server, s.b.admin_login, scope="write") as other:
        assert (await other.get(path)).status_code == 404
        assert (await other.patch(path, json={"notes": "x"})).status_code == 404
        assert (await other.get("/api/v1/guests")).json()["guests"] == []
    await chat.guest.close()
    await chat.staff.close()


async def test_each_token_has_its_own_budget_of_calls(settings: Settings, db: Database) -> None:
    tight = settings.model_copy(update={"limit_api_requests_per_minute": 3})
    s = await two_stores(db)
    async with InProcessApp(tight) as app, api_client(app, s.a.admin_login) as busy, \
            api_client(app, s.a.admin_login) as other:
        for _ in range(3):
            assert (await busy.get("/api/v1/conversations")).status_code == 200
        refused = await busy.get("/api/v1/conversations",
                                 headers={"Accept-Language": "en"})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.json()["error"]["message"]
        assert int(refused.headers["Retry-After"]) >= 1
        # Another token of the same store, from the same address, is not held back.
        assert (await other.get("/api/v1/conversations")).status_code == 200
        # A wrong token is refused as such, not counted against anyone.
        busy.headers["Authorization"] = "Bearer chats_not-a-token"
        assert (await busy.get("/api/v1/conversations")).status_code == 401
