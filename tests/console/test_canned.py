"""Canned responses (S8): personal and store-wide, who may change which (issue 5)."""

from __future__ import annotations

from chats.db.engine import Database
from tests.console.helpers import staff_client, two_stores
from tests.factories import create_staff
from tests.servers import Site


async def test_personal_and_store_wide_sets(web: Site, db: Database) -> None:
    s = await two_stores(db)
    other_agent = await create_staff(db, store_id=s.a.store_id, login_id="agent-other")
    assert other_agent
    async with staff_client(web, s.a.admin_login) as admin, \
            staff_client(web, s.agent_login) as agent, \
            staff_client(web, "agent-other") as other, \
            staff_client(web, s.b.admin_login) as foreign:
        r = await admin.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "/Hours ", "title": "営業時間",
            "text": "営業時間は10時〜19時です。"})
        assert r.status_code == 201, r.text
        store_row = r.json()
        assert store_row["shortcut"] == "hours" and store_row["scope"] == "store"
        r = await agent.post("/api/canned-responses", json={
            "shortcut": "hi", "title": "あいさつ", "text": "お問い合わせありがとうございます。"})
        assert r.status_code == 201 and r.json()["scope"] == "personal"
        mine = r.json()

        listed = (await agent.get("/api/canned-responses")).json()["canned_responses"]
        assert {c["id"]: c["editable"] for c in listed} == {store_row["id"]: False,
                                                            mine["id"]: True}
        # Another agent sees the store set only; another store sees nothing.
        seen = (await other.get("/api/canned-responses")).json()["canned_responses"]
        assert [c["id"] for c in seen] == [store_row["id"]]
        assert (await foreign.get("/api/canned-responses")).json()["canned_responses"] == []

        # Agents may not add or change store-wide responses.
        r = await agent.post("/api/canned-responses", json={
            "scope": "store", "title": "x", "text": "y"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        r = await agent.patch(f"/api/canned-responses/{store_row['id']}", json={"title": "z"})
        assert r.status_code == 403
        assert (await agent.delete(f"/api/canned-responses/{store_row['id']}")).status_code == 403
        # Someone else's personal response, or another store's, does not exist for you.
        assert (await other.patch(f"/api/canned-responses/{mine['id']}",
                                  json={"title": "z"})).status_code == 404
        assert (await admin.delete(f"/api/canned-responses/{mine['id']}")).status_code == 404
        assert (await foreign.patch(f"/api/canned-responses/{store_row['id']}",
                                    json={"title": "z"})).status_code == 404

        r = await agent.patch(f"/api/canned-responses/{mine['id']}",
                              json={"text": "いつもありがとうございます。"})
        assert r.status_code == 200 and r.json()["text"] == "いつもありがとうございます。"
        r = await admin.patch(f"/api/canned-responses/{store_row['id']}",
                              json={"title": "営業時間のご案内"})
        assert r.json()["title"] == "営業時間のご案内"
        assert (await agent.delete(f"/api/canned-responses/{mine['id']}")).status_code == 204
        listed = (await agent.get("/api/canned-responses")).json()["canned_responses"]
        assert [c["id"] for c in listed] == [store_row["id"]]


async def test_canned_validation_and_auth(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with web.client() as anonymous:
        assert (await anonymous.get("/api/canned-responses")).status_code == 401
    async with staff_client(web, s.agent_login) as agent:
        for body in ({"title": "", "text": "x"}, {"title": "x", "text": ""},
                     {"title": "x", "text": "y", "scope": "global"},
                     {"title": "x", "text": "y" * 4001}, {"title": "x", "text": "y", "id": "1"}):
            r = await agent.post("/api/canned-responses", json=body)
            assert r.status_code == 422, body
        token = agent.headers.pop("X-CSRF-Token")
        r = await agent.post("/api/canned-responses", json={"title": "x", "text": "y"})
        assert r.status_code == 403
        agent.headers["X-CSRF-Token"] = token


async def test_shortcut_is_unique_within_its_scope(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.a.admin_login) as admin, \
            staff_client(web, s.agent_login) as agent, \
            staff_client(web, s.b.admin_login) as foreign:
        r = await admin.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "hours", "title": "営業時間", "text": "10時から"})
        assert r.status_code == 201
        hours = r.json()
        # The same shortcut again in the store's set, in any case or with a slash: 409.
        before = (await admin.get("/api/canned-responses")).json()
        r = await admin.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "/HOURS", "title": "別", "text": "x"})
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "conflict"
        message = r.json()["error"]["message"]
        assert "店舗共通" in message and "/hours" in message
        assert (await admin.get("/api/canned-responses")).json() == before
        # A personal shortcut may shadow a store-wide one; the person's own set is unique.
        r = await agent.post("/api/canned-responses", json={
            "shortcut": "hours", "title": "私の営業時間", "text": "y"})
        assert r.status_code == 201
        r = await agent.post("/api/canned-responses", json={
            "shortcut": "Hours", "title": "二つ目", "text": "z"})
        assert r.status_code == 409 and "あなたの定型文" in r.json()["error"]["message"]
        r = await admin.post("/api/canned-responses", json={
            "shortcut": "hours", "title": "管理者の個人用", "text": "w"})
        assert r.status_code == 201
        # Another store has its own namespace.
        r = await foreign.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "hours", "title": "他店", "text": "v"})
        assert r.status_code == 201
        # Renaming onto a taken shortcut is refused too; keeping one's own is fine.
        r = await admin.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "access", "title": "アクセス", "text": "駅から5分"})
        access = r.json()
        r = await admin.patch(f"/api/canned-responses/{access['id']}", json={"shortcut": "hours"})
        assert r.status_code == 409
        r = await admin.patch(f"/api/canned-responses/{hours['id']}",
                              json={"shortcut": "hours", "title": "営業時間のご案内"})
        assert r.status_code == 200 and r.json()["title"] == "営業時間のご案内"
        # No shortcut at all is not a clash.
        for title in ("一つ目", "二つ目"):
            r = await admin.post("/api/canned-responses", json={
                "scope": "store", "title": title, "text": "t"})
            assert r.status_code == 201
        r = await admin.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "hours", "title": "x", "text": "y"},
            headers={"Accept-Language": "en"})
        assert "store-wide" in r.json()["error"]["message"]


async def test_variables_are_checked_when_saving(web: Site, db: Database) -> None:
    """Issue 16: known variables in either language are kept; an unknown one is refused."""
    s = await two_stores(db)
    async with staff_client(web, s.agent_login) as agent:
        text = ("{ゲスト名}様、{店舗名}の{担当者名}でございます。{guest_name} {staff_name} "
                "{store_name} {today} {今日}。{ } と {a b} はただの文字です。")
        r = await agent.post("/api/canned-responses", json={
            "shortcut": "greet", "title": "ご挨拶", "text": text})
        assert r.status_code == 201, r.text
        row = r.json()
        assert row["text"] == text
        r = await agent.post("/api/canned-responses", json={
            "shortcut": "typo", "title": "誤り", "text": "{ゲスト名}様、{お客様名}へ"})
        assert r.status_code == 400, r.text
        message = r.json()["error"]["message"]
        assert "「お客様名」は使えません" in message and "{ゲスト名}" in message
        r = await agent.patch(f"/api/canned-responses/{row['id']}",
                              json={"title": "変更", "text": "{guest}"},
                              headers={"Accept-Language": "en"})
        assert r.status_code == 400
        assert "“guest” is not known" in r.json()["error"]["message"]
        listed = (await agent.get("/api/canned-responses")).json()["canned_responses"]
        assert [(c["shortcut"], c["title"], c["text"]) for c in listed] == [
            ("greet", "ご挨拶", text)]
