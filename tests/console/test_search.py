"""Message search (issue 19 item 1) through HTTP: kana and width folding, every word must
match, one- and two-character words, filters, paging, stores kept apart, erased and purged
messages gone from the index, bad input refused in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, text, update

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import Conversation, Guest, Message, Store
from chats.ids import new_id, utcnow
from chats.services import retention
from tests.console.helpers import TwoStores, open_chat, staff_client, two_stores
from tests.servers import Site, ThreadServer

PATH = "/api/search/messages"


@dataclass
class Seeded:
    guest_id: str
    conversation_id: str
    message_ids: list[str]


async def seed(db: Database, store_id: str, texts: list[str], *, nickname: str = "やまだ",
               staff_id: str | None = None, status: str = "ended",
               start: datetime | None = None) -> Seeded:
    """A guest with one conversation holding `texts` (guest and staff in turn), a second apart."""
    start = start or utcnow() - timedelta(hours=1)
    async with db.write() as session:
        guest = Guest(store_id=store_id, token_hash=new_id() * 2, nickname=nickname,
                      last_contact_at=start)
        session.add(guest)
        await session.flush()
        conversation = Conversation(store_id=store_id, guest_id=guest.id, status=status,
                                    kind="chat", nickname=nickname, staff_id=staff_id,
                                    last_seq=len(texts), created_at=start)
        session.add(conversation)
        await session.flush()
        ids = []
        for n, body in enumerate(texts, start=1):
            by_staff = staff_id is not None and n % 2 == 0
            message = Message(conversation_id=conversation.id, store_id=store_id, seq=n,
                              author="staff" if by_staff else "guest",
                              staff_id=staff_id if by_staff else None, text=body,
                              created_at=start + timedelta(seconds=n))
            session.add(message)
            await session.flush()
            ids.append(message.id)
        await session.commit()
        return Seeded(guest.id, conversation.id, ids)


async def found(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    r = await client.get(PATH, params={"q": q, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [h["message_id"] for h in body["hits"]]


def marked(hit: dict[str, Any]) -> list[str]:
    return [s["text"] for s in hit["snippet"] if s["hit"]]


async def test_kana_and_width_fold_and_every_word_must_match(web: Site, db: Database) -> None:
    s = await two_stores(db)
    chat = await seed(db, s.a.store_id, [
        "ｶﾞｽｺﾝﾛの在庫はありますか？",
        "ガスコンロは明日お届けします",
        "注文番号ＡＢ１２３４５です",
        "こんにちは、よろしくお願いします",
    ], staff_id=s.agent_id)
    gas_question, gas_answer, order, hello = chat.message_ids
    async with staff_client(web, s.agent_login) as agent:
        for q in ("がすこんろ", "ガスコンロ", "ｶﾞｽｺﾝﾛ", "ガスこんろ"):
            body = await found(agent, q)
            assert ids(body) == [gas_answer, gas_question], q
            assert body["scan_limit"] is None
        hit = (await found(agent, "がすこんろ"))["hits"][1]
        # The original text is marked, in the form the message holds it.
        assert marked(hit) == ["ｶﾞｽｺﾝﾛ"]
        assert "".join(seg["text"] for seg in hit["snippet"]) == "ｶﾞｽｺﾝﾛの在庫はありますか？"
        assert hit["conversation_id"] == chat.conversation_id and hit["seq"] == 1
        assert hit["guest_id"] == chat.guest_id and hit["nickname"] == "やまだ"
        assert hit["status"] == "ended" and hit["author"] == "guest"
        # Width and case of Latin letters and digits.
        for q in ("ab12345", "ＡＢ１２３", "AB123"):
            assert ids(await found(agent, q)) == [order], q
        # Several words: all of them, in any order, anywhere in the message.
        assert ids(await found(agent, "在庫 ガスコンロ")) == [gas_question]
        assert ids(await found(agent, "ガスコンロ　明日")) == [gas_answer]  # ideographic space
        assert ids(await found(agent, "ガスコンロ 注文番号")) == []
        assert ids(await found(agent, "よろしく")) == [hello]
        # LIKE and FTS5 syntax in a query are plain characters.
        assert ids(await found(agent, '%%% "ガス')) == []
        assert ids(await found(agent, "NOT ガスコンロ")) == []


async def test_short_words_read_the_newest_messages(web: Site, db: Database) -> None:
    s = await two_stores(db)
    chat = await seed(db, s.a.store_id, ["ガスコンロの在庫はありますか", "明日届きます", "了解"])
    question, tomorrow, ok = chat.message_ids
    async with staff_client(web, s.a.admin_login) as admin:
        body = await found(admin, "在")
        assert ids(body) == [question] and body["scan_limit"] == 5000
        assert marked(body["hits"][0]) == ["在"]
        assert ids(await found(admin, "がす")) == [question]  # two characters, folded
        assert ids(await found(admin, "明日 す")) == [tomorrow]
        assert ids(await found(admin, "了解")) == [ok]
        # A long word uses the index; a short one beside it narrows the result.
        body = await found(admin, "ガスコンロ 在")
        assert ids(body) == [question] and body["scan_limit"] is None
        assert ids(await found(admin, "ガスコンロ 明")) == []


async def test_filters_and_pages(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with db.write() as session:
        await session.execute(update(Store).where(Store.id == s.a.store_id)
                              .values(time_zone="Asia/Tokyo"))
        await session.commit()
    # 2026-01-01 15:30 UTC is 2026-01-02 00:30 in Tokyo.
    late = await seed(db, s.a.store_id, ["配送について質問です"], nickname="すずき",
                      start=datetime(2026, 1, 1, 15, 30, tzinfo=UTC), staff_id=s.agent_id)
    many = await seed(db, s.a.store_id, [f"配送について{n}番目" for n in range(24)],
                      nickname="さとう", status="active", staff_id=s.a.admin_id)
    async with staff_client(web, s.agent_login) as agent:
        one = await found(agent, "配送について")
        two = await found(agent, "配送について", page=2)
        assert len(one["hits"]) == 20 and one["has_more"] is True and one["page"] == 1
        assert len(two["hits"]) == 5 and two["has_more"] is False
        assert ids(one) + ids(two) == list(reversed(many.message_ids)) + late.message_ids
        assert ids(await found(agent, "配送について", guest_id=late.guest_id)) == late.message_ids
        assert ids(await found(agent, "配送について", status="ended")) == late.message_ids
        assert len((await found(agent, "配送について", status="active"))["hits"]) == 20
        assert (await found(agent, "配送について", status="waiting"))["hits"] == []
        assert ids(await found(agent, "配送について", staff_id=s.agent_id)) == late.message_ids
        # Days are the store's: the message of 00:30 Tokyo time belongs to January 2nd.
        assert ids(await found(agent, "配送について", **{"from": "2026-01-02", "to": "2026-01-02"})
                   ) == late.message_ids
        assert ids(await found(agent, "配送について", to="2026-01-01")) == []
        assert ids(await found(agent, "配送について", **{"from": "2026-01-03"})) == list(
            reversed(many.message_ids))[:20]
        # The short-word scan honours the filters too.
        assert ids(await found(agent, "配送", guest_id=late.guest_id)) == late.message_ids


async def test_stores_never_see_each_other(web: Site, db: Database) -> None:
    s: TwoStores = await two_stores(db)
    mine = await seed(db, s.a.store_id, ["ポイントカードを忘れました"], staff_id=s.agent_id)
    await seed(db, s.b.store_id, ["ポイントカードの件です"])
    async with staff_client(web, s.b.admin_login) as other:
        body = await found(other, "ポイントカード")
        assert [h["message_id"] for h in body["hits"]] != [] and all(
            h["message_id"] not in mine.message_ids for h in body["hits"])
        assert len(body["hits"]) == 1
        assert ids(await found(other, "忘れ")) == []
        for params in ({"guest_id": mine.guest_id}, {"staff_id": s.agent_id},
                       {"guest_id": "nope"}):
            r = await other.get(PATH, params={"q": "ポイントカード", **params})
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", params
    async with staff_client(web, s.agent_login) as agent:
        assert ids(await found(agent, "ポイントカード")) == mine.message_ids
    async with web.client() as anonymous:
        assert (await anonymous.get(PATH, params={"q": "ポイントカード"})).status_code == 401


async def test_bad_input_is_refused_in_the_readers_language(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.agent_login) as agent:
        cases: list[tuple[dict[str, Any], str]] = [
            ({"q": ""}, "検索する言葉"), ({"q": "　 "}, "検索する言葉"),
            ({"q": "あ" * 101}, "100文字"), ({"q": " ".join("あいうえおかきくけ")}, "8語"),
            ({"q": "x" * 1001}, "q"),
            ({"q": "配送", "from": "2026-13-01"}, "from"),
            ({"q": "配送", "to": "昨日"}, "to"),
            ({"q": "配送", "from": "2026-02-01", "to": "2026-01-01"}, "期間"),
            ({"q": "配送", "status": "deleted"}, "status"),
            ({"q": "配送", "page": "0"}, "page"),
            ({"q": "配送", "page": "501"}, "page"),
        ]
        for params, words in cases:
            r = await agent.get(PATH, params=params)
            assert r.status_code == 422, (params, r.text)
            assert words in r.json()["error"]["message"], (params, r.text)
        r = await agent.get(PATH, params={"q": ""}, headers={"Accept-Language": "en"})
        assert r.json()["error"]["message"] == "Enter words to search for."


async def _index_rows(db: Database) -> int:
    """Rows of the SQLite index's own table (PostgreSQL's expression index has none)."""
    if not db.is_sqlite:
        return 0
    async with db.read() as session:
        return int(await session.scalar(text("SELECT count(*) FROM message_search_docs")) or 0)


async def test_sent_messages_are_found_and_erasure_removes_them(server: ThreadServer,
                                                                db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="たなか")
    await chat.guest.say("ﾎﾟｲﾝﾄｶｰﾄﾞを忘れました")
    await chat.staff.say(chat.conversation_id, "ポイントカードは次回で大丈夫です")
    async with staff_client(server, s.agent_login) as agent:
        body = await found(agent, "ぽいんとかーど")
        assert [h["author"] for h in body["hits"]] == ["staff", "guest"]
        assert [h["status"] for h in body["hits"]] == ["active", "active"]
    async with staff_client(server, s.a.admin_login) as admin:
        r = await admin.post(f"/api/admin/guests/{chat.guest.guest_id}/erase")
        assert r.status_code == 200, r.text
        assert (await found(admin, "ぽいんとかーど"))["hits"] == []
        assert (await found(admin, "忘れ"))["hits"] == []
    assert await _index_rows(db) == 0
    await chat.staff.close()
    await chat.guest.close()


async def test_the_retention_purge_removes_messages_from_the_index(
    web: Site, db: Database, settings: Settings,
) -> None:
    s = await two_stores(db)
    old = utcnow() - timedelta(days=40)
    await seed(db, s.a.store_id, ["古い問い合わせの返品について"], start=old)
    recent = await seed(db, s.a.store_id, ["新しい返品について"])
    async with db.write() as session:
        await session.execute(update(Store).where(Store.id == s.a.store_id)
                              .values(retention_days=30))
        await session.commit()
    assert (await retention.purge(db, settings, now=utcnow())).messages == 1
    async with staff_client(web, s.a.admin_login) as admin:
        assert ids(await found(admin, "返品について")) == recent.message_ids
        assert ids(await found(admin, "古い")) == []
    if db.is_sqlite:
        assert await _index_rows(db) == 1
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_the_database_folds_like_the_query(db: Database) -> None:
    """The index's fold (SQL on PostgreSQL, the registered function on SQLite) is the query's."""
    from chats.domain.search import fold

    samples = ["ｶﾞｽｺﾝﾛ", "ＡＢＣ１２３abc", "ヴァイオリンとヵ月", "ヽヾゝ", "Ｓｔｒａßｅ",
               "〒１００"]
    async with db.read() as session:
        for sample in samples:
            stored = await session.scalar(text("SELECT chats_search_key(:t)"), {"t": sample})
            assert stored == fold(sample), sample
