"""The guest list (W1) and user information (S3) over HTTP (issue 5)."""

from __future__ import annotations

import pytest

from chats.db.engine import Database
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.realtime.clients import Guest
from tests.servers import Site, ThreadServer, http_client


async def test_guest_list_shows_talked_guests_with_flags(server: ThreadServer,
                                                         db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="やまだ")
    await chat.guest.say("こんにちは")
    # A visitor who never talked does not appear.
    lurker = await Guest.connect(server.ws_url, s.a.widget_key)
    async with staff_client(server, s.agent_login) as agent:
        r = await agent.get("/api/guests")
        assert r.status_code == 200
        body = r.json()
        assert body["page"] == 1 and body["has_more"] is False
        assert [g["id"] for g in body["guests"]] == [chat.guest.guest_id]
        row = body["guests"][0]
        assert row["nickname"] == "やまだ" and row["unread_for_staff"] is True
        assert row["blacklisted"] is False and row["conversations"] == 1
    # Reading the messages clears 有.
    last = max(m["seq"] for m in chat.staff.messages(chat.conversation_id) or
               [await chat.staff.expect("message", lambda f: f["author"] == "guest")])
    await chat.staff.send({"type": "read", "conversation_id": chat.conversation_id, "seq": last})
    await chat.guest.expect("read")
    async with staff_client(server, s.agent_login) as agent:
        row = (await agent.get("/api/guests")).json()["guests"][0]
        assert row["unread_for_staff"] is False
    async with staff_client(server, s.b.admin_login) as other:
        assert (await other.get("/api/guests")).json()["guests"] == []
    for ws in (chat.guest, chat.staff, lurker):
        await ws.close()


async def test_guest_list_search_folds_kana_and_width(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    first = await open_chat(server, s.a, s.a.admin_login, nickname="ヤマダ")
    second = await open_chat(server, s.a, s.a.admin_login, nickname="すずき",
                             staff=first.staff)
    async with staff_client(server, s.a.admin_login) as admin:
        for q in ("やまだ", "ﾔﾏﾀﾞ", "ヤマダ"):
            found = (await admin.get("/api/guests", params={"q": q})).json()["guests"]
            assert [g["nickname"] for g in found] == ["ヤマダ"], q
        r = await admin.patch(f"/api/guests/{second.guest.guest_id}",
                              json={"profile": {"phone": "０９０－１２３４－５６７８"}})
        assert r.status_code == 200
        found = (await admin.get("/api/guests", params={"q": "090-1234"})).json()["guests"]
        assert [g["id"] for g in found] == [second.guest.guest_id]
        # Phone numbers find each other with or without hyphens, in either width.
        for q in ("09012345678", "０９０１２３４５６７８", "090 1234 5678", "(090)1234-5678",
                  "1234ー5678", "12345678"):
            found = (await admin.get("/api/guests", params={"q": q})).json()["guests"]
            assert [g["id"] for g in found] == [second.guest.guest_id], q
        r = await admin.patch(f"/api/guests/{first.guest.guest_id}",
                              json={"profile": {"phone": "03 (1234) 0000"}})
        found = (await admin.get("/api/guests", params={"q": "03-1234-0000"})).json()["guests"]
        assert [g["id"] for g in found] == [first.guest.guest_id]
        assert (await admin.get("/api/guests", params={"q": "0901234567899"})).json()[
            "guests"] == []
        # LIKE wildcards are taken literally.
        assert (await admin.get("/api/guests", params={"q": "%"})).json()["guests"] == []
    for ws in (first.guest, second.guest, first.staff):
        await ws.close()


async def test_guest_list_pages(web: Site, db: Database) -> None:
    from chats.db.models import Conversation
    from chats.db.models import Guest as GuestRow
    from chats.ids import new_id, utcnow

    s = await two_stores(db)

    async with db.write() as session:
        for n in range(23):
            guest = GuestRow(store_id=s.a.store_id, token_hash=new_id() * 2, nickname=f"g{n}",
                             last_contact_at=utcnow())
            session.add(guest)
            await session.flush()
            session.add(Conversation(store_id=s.a.store_id, guest_id=guest.id, status="ended",
                                     kind="message", nickname=guest.nickname))
        await session.commit()
    async with staff_client(web, s.a.admin_login) as admin:
        one = (await admin.get("/api/guests")).json()
        two = (await admin.get("/api/guests", params={"page": 2})).json()
        assert len(one["guests"]) == 20 and one["has_more"] is True
        assert len(two["guests"]) == 3 and two["has_more"] is False
        assert not {g["id"] for g in one["guests"]} & {g["id"] for g in two["guests"]}
        assert (await admin.get("/api/guests", params={"page": 0})).status_code == 422


async def test_guest_endpoints_need_login_and_stay_in_the_store(server: ThreadServer,
                                                                db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    gid = chat.guest.guest_id
    async with http_client(base_url=server.url) as anonymous:
        for path in ("/api/guests", f"/api/guests/{gid}", f"/api/guests/{gid}/pageviews"):
            assert (await anonymous.get(path)).status_code == 401
    async with staff_client(server, s.b.admin_login) as other:
        assert (await other.get(f"/api/guests/{gid}")).status_code == 404
        assert (await other.get(f"/api/guests/{gid}/pageviews")).status_code == 404
        r = await other.patch(f"/api/guests/{gid}", json={"notes": "x"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        r = await other.post(f"/api/guests/{gid}/messages", json={"text": "x"})
        assert r.status_code == 404
    async with staff_client(server, s.agent_login) as agent:
        token = agent.headers.pop("X-CSRF-Token")
        assert (await agent.patch(f"/api/guests/{gid}", json={"notes": "x"})).status_code == 403
        agent.headers["X-CSRF-Token"] = token
        # Agents may edit guests as much as admins (S3 is everyday work).
        assert (await agent.patch(f"/api/guests/{gid}", json={"notes": "x"})).status_code == 200
    await chat.guest.close()
    await chat.staff.close()


async def test_detail_and_profile_validation(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="はなこ")
    gid = chat.guest.guest_id
    async with staff_client(server, s.agent_login) as agent:
        detail = (await agent.get(f"/api/guests/{gid}")).json()
        assert detail["nickname"] == "はなこ" and detail["notes"] == ""
        assert [f["key"] for f in detail["fields"]][:3] == ["name", "kana", "email"]
        assert detail["conversations"][0]["id"] == chat.conversation_id
        assert detail["conversations"][0]["status"] == "active"

        good = {"name": "山田 花子", "email": "hanako@example.jp", "phone": "03（1234）5678",
                "postal_code": "〒１０００００１", "age": "３２", "gender": "女性",
                "address": "東京都千代田区千代田1-1"}
        r = await agent.patch(f"/api/guests/{gid}", json={"profile": good, "notes": "常連"})
        assert r.status_code == 200, r.text
        profile = r.json()["profile"]
        assert profile["postal_code"] == "100-0001" and profile["age"] == "32"
        assert profile["phone"] == "03(1234)5678" and r.json()["email"] == "hanako@example.jp"
        assert r.json()["notes"] == "常連"
        update = await chat.staff.expect("guest_updated")
        assert update == {"type": "guest_updated", "guest_id": gid}

        bad = [({"email": "not-an-address"}, "メールアドレス"),
               ({"postal_code": "12-34"}, "郵便番号"),
               ({"phone": "call me"}, "電話番号"), ({"age": "thirty"}, "年齢"),
               ({"gender": "宇宙人"}, "性別"), ({"favourite": "x"}, "favourite")]
        for values, word in bad:
            r = await agent.patch(f"/api/guests/{gid}", json={"profile": values})
            assert r.status_code == 422, values
            assert r.json()["error"]["code"] == "bad_frame"
            if word != "メールアドレス":
                assert word in r.json()["error"]["message"], r.json()
        r = await agent.patch(f"/api/guests/{gid}", json={"surprise": True})
        assert r.status_code == 422
        # Nothing bad was stored.
        assert (await agent.get(f"/api/guests/{gid}")).json()["profile"]["email"] == \
            "hanako@example.jp"
        # Clearing a value is allowed.
        r = await agent.patch(f"/api/guests/{gid}", json={"profile": {"email": ""}})
        assert r.json()["profile"]["email"] == "" and r.json()["email"] is None
    await chat.guest.close()
    await chat.staff.close()


async def test_removed_field_values_stay_hidden(server: ThreadServer, db: Database) -> None:
    from sqlalchemy import update

    from chats.db.models import StoreField

    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    gid = chat.guest.guest_id
    async with staff_client(server, s.a.admin_login) as admin:
        await admin.patch(f"/api/guests/{gid}", json={"profile": {"age": "40"}})
        async with db.write() as session:
            await session.execute(update(StoreField).where(
                StoreField.store_id == s.a.store_id, StoreField.key == "age").values(removed=True))
            await session.commit()
        detail = (await admin.get(f"/api/guests/{gid}")).json()
        assert "age" not in detail["profile"]
        assert "age" not in [f["key"] for f in detail["fields"]]
        r = await admin.patch(f"/api/guests/{gid}", json={"profile": {"age": "41"}})
        assert r.status_code == 422
    await chat.guest.close()
    await chat.staff.close()


async def test_blacklisting_cuts_the_guest_off(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    gid = chat.guest.guest_id
    async with staff_client(server, s.a.admin_login) as admin:
        r = await admin.patch(f"/api/guests/{gid}", json={"blacklisted": True})
        assert r.status_code == 200 and r.json()["blacklisted"] is True
        await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
        await chat.guest.expect("availability", lambda f: f["status"] == "away")
        await chat.staff.expect("conversation", lambda f: f["status"] == "ended")
        await chat.staff.expect("guest_updated", lambda f: f["guest_id"] == gid)
        await chat.guest.send({"type": "start", "nickname": "again"})
        refused = await chat.guest.expect("error")
        assert refused["code"] in ("blacklisted", "unavailable")
        row = (await admin.get("/api/guests")).json()["guests"][0]
        assert row["blacklisted"] is True
        r = await admin.patch(f"/api/guests/{gid}", json={"blacklisted": False})
        assert r.json()["blacklisted"] is False
    await chat.guest.close()
    await chat.staff.close()


async def test_pageviews_and_first_referrer(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    token = chat.guest.token
    async with http_client(base_url=server.url) as widget:
        for url, title, ref in (("https://shop.example/", "トップ", "https://search.example/?q=茶"),
                                ("https://shop.example/menu", "メニュー", "https://shop.example/")):
            r = await widget.post(f"/api/widget/{s.a.widget_key}/visit",
                                  json={"token": token, "url": url, "title": title,
                                        "referrer": ref})
            assert r.status_code == 200
    async with staff_client(server, s.agent_login) as agent:
        body = (await agent.get(f"/api/guests/{chat.guest.guest_id}/pageviews")).json()
        assert [v["title"] for v in body["pageviews"]] == ["メニュー", "トップ"]
        assert body["first_referrer"] == "https://search.example/?q=茶"
        assert body["pageviews"][0]["viewed_at"]
    await chat.guest.close()
    await chat.staff.close()


@pytest.mark.parametrize("q", ["x" * 201])
async def test_overlong_search_is_refused(web: Site, db: Database, q: str) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin:
        assert (await admin.get("/api/guests", params={"q": q})).status_code == 422


async def test_a_nul_anywhere_in_a_body_is_refused_and_changes_nothing(server: ThreadServer,
                                                                      db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="ヤマダ")
    gid = chat.guest.guest_id
    async with staff_client(server, s.a.admin_login) as admin:
        before = (await admin.get(f"/api/guests/{gid}")).json()
        for body in ({"notes": "メモ\u0000"}, {"profile": {"name": "山田\u0000太郎"}},
                     {"profile": {"na\u0000me": "山田"}}):
            r = await admin.patch(f"/api/guests/{gid}", json=body)
            assert r.status_code == 422, body
            assert r.json()["error"]["message"]
        assert (await admin.get(f"/api/guests/{gid}")).json() == before
    for ws in (chat.guest, chat.staff):
        await ws.close()
