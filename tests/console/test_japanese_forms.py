"""Japanese forms over HTTP and the guest socket (issue 16 items 1, 2, 3 and 6)."""

from __future__ import annotations

import pytest

from chats.config import Settings
from chats.db.engine import Database
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer, http_client


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small postal look-up budget, so the guest's limit is reached in a few calls."""
    return settings.model_copy(update={"limit_postal_lookups_per_minute": 5})


async def test_staff_values_are_normalised_and_bad_ones_change_nothing(
        server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="はなこ")
    gid = chat.guest.guest_id
    async with staff_client(server, s.agent_login) as agent:
        r = await agent.patch(f"/api/guests/{gid}", json={"profile": {
            "kana": "やまだ　はなこ", "phone": "０３ー１２３４ー５６７８",
            "postal_code": "〒１００ー０００１"}})
        assert r.status_code == 200, r.text
        profile = r.json()["profile"]
        assert profile["kana"] == "ヤマダ\u3000ハナコ"
        assert profile["phone"] == "03-1234-5678"
        assert profile["postal_code"] == "100-0001"
        r = await agent.patch(f"/api/guests/{gid}", json={"profile": {"kana": "ﾔﾏﾀﾞ ﾊﾅｺ"}})
        assert r.json()["profile"]["kana"] == "ヤマダ\u3000ハナコ"

        refused = [({"kana": "山田はなこ"}, "漢字"), ({"kana": "yamada"}, "ひらがなかカタカナ"),
                   ({"postal_code": "100-001"}, "7桁"), ({"postal_code": "〒百"}, "郵便番号"),
                   ({"phone": "０３ー１２３４ー５６７８ 内線"}, "電話番号")]
        for values, words in refused:
            r = await agent.patch(f"/api/guests/{gid}",
                                  json={"profile": {**values, "name": "変わらない"}})
            assert r.status_code == 422, values
            assert r.json()["error"]["code"] == "bad_frame"
            assert words in r.json()["error"]["message"], r.json()
        detail = (await agent.get(f"/api/guests/{gid}")).json()
        assert detail["profile"]["kana"] == "ヤマダ\u3000ハナコ"
        assert detail["profile"].get("name", "") == ""
        r = await agent.patch(f"/api/guests/{gid}", json={"profile": {"kana": "山田"}},
                              headers={"Accept-Language": "en"})
        assert "kanji" in r.json()["error"]["message"]
    await chat.guest.close()
    await chat.staff.close()


async def test_search_finds_furigana_and_phone_in_any_form(server: ThreadServer,
                                                          db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="お客様")
    other = await open_chat(server, s.a, s.a.admin_login, nickname="べつの人", staff=chat.staff)
    async with staff_client(server, s.a.admin_login) as admin:
        r = await admin.patch(f"/api/guests/{chat.guest.guest_id}",
                              json={"profile": {"kana": "すずき いちろう",
                                                "phone": "090-1111-2222"}})
        assert r.status_code == 200
        for q in ("スズキ", "すずき", "ｽｽﾞｷ", "いちろう", "09011112222", "０９０１１１１２２２２",
                  "090-1111-2222", "1111-2222"):
            found = (await admin.get("/api/guests", params={"q": q})).json()["guests"]
            assert [g["id"] for g in found] == [chat.guest.guest_id], q
        assert (await admin.get("/api/guests", params={"q": "さとう"})).json()["guests"] == []
    for ws in (chat.guest, other.guest, chat.staff):
        await ws.close()


async def test_guest_entry_values_are_normalised_like_staff_values(
        server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(server, s.a.admin_login) as admin:
        fields = (await admin.get("/api/admin/fields")).json()["fields"]
        for f in fields:
            if f["key"] in ("kana", "phone", "postal_code"):
                r = await admin.patch(f"/api/admin/fields/{f['id']}",
                                      json={"ask_before_chat": True})
                assert r.status_code == 200
    staff = await Staff.connect(server.url, server.ws_url, s.a.admin_login)
    guest = await Guest.connect(server.ws_url, s.a.widget_key)
    # A furigana in kanji refuses the start, and nothing is stored.
    await guest.send({"type": "start", "nickname": "花子",
                      "fields": {"kana": "山田花子", "phone": "0312345678"}})
    error = await guest.expect("error")
    assert error["code"] == "bad_frame" and "漢字" in error["message"], error
    await guest.send({"type": "start", "nickname": "花子", "fields": {"postal_code": "12345"}})
    assert "7桁" in (await guest.expect("error"))["message"]
    conversation = await guest.start("花子", kana="ﾔﾏﾀﾞ ﾊﾅｺ", phone="０３（１２３４）５６７８",
                                     postal_code="１２３４５６７")
    await staff.claim(conversation["id"])
    async with staff_client(server, s.agent_login) as agent:
        profile = (await agent.get(f"/api/guests/{guest.guest_id}")).json()["profile"]
    assert profile["kana"] == "ヤマダ\u3000ハナコ"
    assert profile["phone"] == "03(1234)5678"
    assert profile["postal_code"] == "123-4567"
    await guest.close()
    await staff.close()


async def test_staff_postal_lookup(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    async with http_client(base_url=server.url) as anonymous:
        r = await anonymous.get("/api/postal-codes", params={"code": "1000001"})
        assert r.status_code == 401
    async with staff_client(server, s.agent_login) as agent:
        for code in ("100-0001", "〒100-0001", "１０００００１", "１００－０００１", "1000001"):
            r = await agent.get("/api/postal-codes", params={"code": code})
            assert r.status_code == 200, (code, r.text)
            assert r.json() == {"code": "100-0001", "addresses": [
                {"prefecture": "東京都", "city": "千代田区", "town": "千代田"}]}
        # A code shared by two places offers both, the first one first.
        r = await agent.get("/api/postal-codes", params={"code": "498-0000"})
        places = [(a["prefecture"], a["city"]) for a in r.json()["addresses"]]
        assert places[0] == ("愛知県", "弥富市") and ("三重県", "桑名郡木曽岬町") in places
        r = await agent.get("/api/postal-codes", params={"code": "999-9999"})
        assert r.status_code == 404
        assert r.json()["error"]["message"] == \
            "郵便番号 999-9999 は日本郵便のデータにありません。番号を確かめてください。"
        r = await agent.get("/api/postal-codes", params={"code": "999-9999"},
                            headers={"Accept-Language": "en"})
        assert "Japan Post has no postal code 999-9999" in r.json()["error"]["message"]
        r = await agent.get("/api/postal-codes", params={"code": "100-001"})
        assert r.status_code == 422 and "7桁" in r.json()["error"]["message"]
        r = await agent.get("/api/postal-codes", params={"code": "abcdefg"})
        assert r.status_code == 422 and "郵便番号" in r.json()["error"]["message"]


async def test_guest_postal_lookup_is_budgeted(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    path = f"/api/widget/{s.a.widget_key}/postal-codes"
    async with http_client(base_url=server.url) as widget:
        r = await widget.get(path, params={"code": "〒060-0000"})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "*"
        assert r.json()["addresses"] == [
            {"prefecture": "北海道", "city": "札幌市中央区", "town": ""}]
        r = await widget.get("/api/widget/no-such-key/postal-codes", params={"code": "0600000"})
        assert r.status_code == 404
        answers = [(await widget.get(path, params={"code": "0600000"})).status_code
                   for _ in range(5)]
        assert answers[-1] == 429 and 200 in answers
        r = await widget.get(path, params={"code": "0600000"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


async def test_history_shows_search_words(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    token = chat.guest.token
    google = "https://www.google.co.jp/search?q=%E6%8A%B9%E8%8C%B6+%E3%82%AE%E3%83%95%E3%83%88"
    yahoo = "https://search.yahoo.co.jp/search?p=%CB%F5%C3%E3&ei=EUC-JP"  # 抹茶 in EUC-JP
    async with http_client(base_url=server.url) as widget:
        for url, ref in (("https://shop.example/", google), ("https://shop.example/a", yahoo),
                         ("https://shop.example/b", "https://shop.example/")):
            r = await widget.post(f"/api/widget/{s.a.widget_key}/visit",
                                  json={"token": token, "url": url, "referrer": ref})
            assert r.status_code == 200
    async with staff_client(server, s.agent_login) as agent:
        body = (await agent.get(f"/api/guests/{chat.guest.guest_id}/pageviews")).json()
    assert [v["search_words"] for v in body["pageviews"]] == [None, "抹茶", "抹茶 ギフト"]
    assert body["first_search_words"] == "抹茶 ギフト"
    await chat.guest.close()
    await chat.staff.close()


async def test_an_unreadable_value_stored_earlier_does_not_block_other_changes(
        server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="はなこ")
    gid = chat.guest.guest_id
    async with staff_client(server, s.a.admin_login) as admin:
        kana = next(f for f in (await admin.get("/api/admin/fields")).json()["fields"]
                    if f["key"] == "kana")
        # Stored while the field was plain text; then it became a furigana field again.
        assert (await admin.patch(f"/api/admin/fields/{kana['id']}",
                                  json={"type": "text"})).status_code == 200
        r = await admin.patch(f"/api/guests/{gid}", json={"profile": {"kana": "山田",
                                                                      "name": "やまだ"}})
        assert r.status_code == 200
        assert (await admin.patch(f"/api/admin/fields/{kana['id']}",
                                  json={"type": "kana"})).status_code == 200
        # The console sends every field back: the old value stays, the others are saved.
        r = await admin.patch(f"/api/guests/{gid}", json={"profile": {
            "kana": "山田", "name": "やまだ", "phone": "０３１２３４５６７８"}})
        assert r.status_code == 200, r.text
        assert r.json()["profile"]["kana"] == "山田"
        assert r.json()["profile"]["phone"] == "0312345678"
        # A new unreadable value is refused as always, and changes nothing.
        r = await admin.patch(f"/api/guests/{gid}", json={"profile": {
            "kana": "山田花子", "phone": "0000"}})
        assert r.status_code == 422 and "漢字" in r.json()["error"]["message"]
        assert (await admin.get(f"/api/guests/{gid}")).json()["profile"]["phone"] == \
            "0312345678"
    await chat.guest.close()
    await chat.staff.close()
