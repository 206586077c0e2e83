"""Satisfaction ratings (issue 19 item 2): who may rate, when, once; who sees it; statistics."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from chats.db.engine import Database
from chats.realtime.frames import GUEST_SERVER_FRAMES, STAFF_SERVER_FRAMES
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.realtime.clients import Guest
from tests.servers import ThreadServer


async def _enable(server: ThreadServer, admin_login: str, **wording: object) -> dict[str, object]:
    async with staff_client(server, admin_login) as admin:
        r = await admin.put("/api/admin/csat", json={"enabled": True, **wording})
        assert r.status_code == 200, r.text
        return dict(r.json())


async def _refusal(guest: Guest, frame: dict[str, object]) -> dict[str, object]:
    await guest.send(frame)
    return await guest.expect("error")


async def test_admin_words_ratings_and_the_widget_reads_them(server: ThreadServer,
                                                             db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(server, s.a.admin_login) as admin, \
            staff_client(server, s.agent_login) as agent:
        r = await admin.get("/api/admin/csat")
        assert r.json()["enabled"] is False and len(r.json()["labels_ja"]) == 5
        assert (await agent.get("/api/admin/csat")).status_code == 403
        r = await admin.put("/api/admin/csat", json={
            "enabled": True, "question_ja": " 本日の  対応は\nいかが？ ",
            "labels_ja": ["悪い", "", "普通", "", "最高"], "question_en": "How was it?"})
        assert r.status_code == 200, r.text
        saved = r.json()
        assert saved["question_ja"] == "本日の 対応は いかが？"
        assert saved["labels_ja"] == ["悪い", "不満", "普通", "満足", "最高"]
        assert saved["question_en"] == "How was it?"
        # Broken rules: localised refusal naming the rule, nothing changed.
        for bad, word in (({"labels_en": ["a", "b"]}, "5"),
                          ({"question_ja": "あ" * 201}, "200"),
                          ({"labels_ja": ["x" * 41, "", "", "", ""]}, "40")):
            r = await admin.put("/api/admin/csat", json={"enabled": False, **bad},
                                headers={"Accept-Language": "ja"})
            assert r.status_code == 400, r.text
            assert word in r.json()["error"]["message"]
        assert (await admin.get("/api/admin/csat")).json() == saved
    config = await _widget_config(server, s.a.widget_key)
    assert config["csat"]["enabled"] is True
    assert config["csat"]["ja"]["labels"][0] == "悪い"
    other = await _widget_config(server, s.b.widget_key)
    assert other["csat"]["enabled"] is False


async def _widget_config(server: ThreadServer, key: str) -> dict[str, object]:
    async with server.client() as c:
        r = await c.get(f"/api/widget/{key}/config")
        assert r.status_code == 200
        return dict(r.json())


async def test_rating_rules_and_who_sees_it(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    cid = chat.conversation_id
    rate = {"type": "rate", "conversation_id": cid, "score": 4, "comment": "<b>助かりました</b>"}

    # Before the end: refused, with a message in the guest's language.
    err = await _refusal(chat.guest, rate)
    assert err["code"] == "conflict" and "終了" in str(err["message"])

    await chat.staff.send({"type": "end", "conversation_id": cid})
    await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
    await chat.staff.expect("conversation", lambda f: f["id"] == cid and f["status"] == "ended")
    # Ratings off (the default): refused.
    assert (await _refusal(chat.guest, rate))["code"] == "forbidden"
    await _enable(server, s.a.admin_login)

    # Another guest (of the same store) naming it: not found, as an unknown id.
    other = await Guest.connect(server.ws_url, s.a.widget_key)
    await other.start("よそ")
    assert (await _refusal(other, rate))["code"] == "not_found"
    assert (await _refusal(chat.guest, {**rate, "conversation_id": "0" * 32}))["code"] \
        == "not_found"
    # Off the scale, comment too long, wrong type.
    for score in (0, 6):
        assert (await _refusal(chat.guest, {**rate, "score": score}))["code"] == "bad_frame"
    assert (await _refusal(chat.guest, {**rate, "score": "5"}))["code"] == "bad_frame"
    assert (await _refusal(chat.guest, {**rate, "comment": "あ" * 1001}))["code"] == "too_large"

    await chat.guest.send(rate)
    rated = await chat.guest.expect("rated")
    assert rated["rating"]["score"] == 4 and rated["rating"]["comment"] == "<b>助かりました</b>"
    # The staff member who held it sees it live.
    live = await chat.staff.expect("conversation", lambda f: f["id"] == cid
                                   and f.get("rating") is not None)
    assert live["rating"]["score"] == 4
    # Only once.
    err = await _refusal(chat.guest, {**rate, "score": 1})
    assert err["code"] == "conflict" and "評価済み" in str(err["message"])

    gid = chat.guest.guest_id
    async with staff_client(server, s.agent_login) as agent, \
            staff_client(server, s.b.admin_login) as foreign:
        detail = (await agent.get(f"/api/guests/{gid}")).json()
        assert detail["conversations"][0]["rating"]["score"] == 4
        assert detail["conversations"][0]["rating"]["comment"] == "<b>助かりました</b>"
        assert (await foreign.get(f"/api/guests/{gid}")).status_code == 404

    for frame in chat.guest.frames:
        GUEST_SERVER_FRAMES.validate_python(frame)
    for frame in chat.staff.frames:
        STAFF_SERVER_FRAMES.validate_python(frame)
    for c in (other, chat.guest, chat.staff):
        await c.close()


async def test_ratings_in_stats_and_csv(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    await _enable(server, s.a.admin_login)
    scores = {s.a.admin_login: [5, 3], s.agent_login: [2]}
    for login, given in scores.items():
        for score in given:
            chat = await open_chat(server, s.a, login)
            await chat.staff.send({"type": "end", "conversation_id": chat.conversation_id})
            await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
            await chat.guest.send({"type": "rate", "conversation_id": chat.conversation_id,
                                   "score": score})
            await chat.guest.expect("rated")
            await chat.guest.close()
            await chat.staff.close()
    # Another store's rating never shows.
    await _enable(server, s.b.admin_login)
    chat = await open_chat(server, s.b, s.b.admin_login)
    await chat.staff.send({"type": "end", "conversation_id": chat.conversation_id})
    await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
    await chat.guest.send({"type": "rate", "conversation_id": chat.conversation_id, "score": 1})
    await chat.guest.expect("rated")
    await chat.guest.close()
    await chat.staff.close()

    today = datetime.now(UTC).date()
    span = {"from": (today - timedelta(days=150)).isoformat(),
            "to": (today + timedelta(days=150)).isoformat()}
    async with staff_client(server, s.a.admin_login) as admin:
        for by in ("day", "month"):
            body = (await admin.get("/api/stats", params={**span, "by": by})).json()
            totals = body["totals"]
            assert totals["csat_count"] == 3 and totals["csat_average"] == 3.33
            staff = {x["name"]: x["id"] for x in body["staff"]}
            per = totals["csat_per_staff"]
            assert per[staff["佐藤"]] == {"count": 1, "average": 2.0}
            assert sum(v["count"] for v in per.values()) == 3
            rated_rows = [r for r in body["rows"] if r["csat_count"]]
            assert sum(r["csat_count"] for r in rated_rows) == 3
        r = await admin.get("/api/stats.csv", params={**span, "by": "month"},
                            headers={"Accept-Language": "ja"})
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        header, total = rows[0], rows[-1]
        assert "評価数" in header and "平均評価（5段階）" in header
        assert total[header.index("評価数")] == "3"
        assert total[header.index("平均評価（5段階）")] == "3.33"
        assert total[header.index("平均評価: 佐藤")] == "2.0"


async def test_erasure_drops_the_comment_and_the_transcripts(server: ThreadServer,
                                                             db: Database) -> None:
    s = await two_stores(db)
    await _enable(server, s.a.admin_login)
    chat = await open_chat(server, s.a, s.a.admin_login)
    cid = chat.conversation_id
    await chat.guest.say("電話番号は 090-1234-5678 です")
    await chat.staff.send({"type": "end", "conversation_id": cid})
    await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
    await chat.guest.send({"type": "rate", "conversation_id": cid, "score": 5,
                           "comment": "山田です。助かりました"})
    await chat.guest.expect("rated")
    await chat.guest.send({"type": "transcript", "conversation_id": cid,
                           "email": "yamada@example.com"})
    await chat.guest.expect("transcript_queued")
    gid = chat.guest.guest_id
    await chat.guest.close()
    await chat.staff.close()
    async with staff_client(server, s.a.admin_login) as admin:
        export = await admin.post(f"/api/admin/guests/{gid}/export")
        assert export.status_code == 200
        record = json.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("guest.json"))
        assert "山田です。助かりました" in json.dumps(record, ensure_ascii=False)
        assert "yamada@example.com" in json.dumps(record, ensure_ascii=False)
        r = await admin.post(f"/api/admin/guests/{gid}/erase")
        assert r.status_code == 200, r.text
        detail = (await admin.get(f"/api/guests/{gid}")).json()
        rating = detail["conversations"][0]["rating"]
        assert rating["score"] == 5 and rating["comment"] is None
        outbox = (await admin.get("/api/outbox")).json()
        assert "yamada@example.com" not in json.dumps(outbox)
