"""A5: statistics equal what scripted guests and staff did; the CSV is the same table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from chats.db.engine import Database
from chats.ids import utcnow
from tests.factories import (
    StoreInfo,
    create_guest,
    create_past_conversation,
    create_staff,
    set_daily_stat,
)
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer, wait_for

FIGURES = ("forms_shown", "forms_executed", "chats_started", "chats_taken", "missed",
           "avg_wait_seconds", "avg_first_response_seconds")
CSV_FIGURES = (*FIGURES, "left_out_of_hours",  # added at the end (issue 16)
               "csat_count", "csat_average")  # and the ratings (issue 19)


# Stores count their own calendar days; a Japanese store's are Japan's.
TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str, clock: str) -> datetime:
    """A moment given in the store's time (Asia/Tokyo), as the app stores it (UTC)."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TOKYO).astimezone(UTC)


async def stats(client: httpx.AsyncClient, start: str, end: str, by: str = "day") -> Any:
    r = await client.get("/api/stats", params={"from": start, "to": end, "by": by})
    assert r.status_code == 200, r.text
    return r.json()


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name] for name in FIGURES)


@pytest.fixture
async def history(db: Database, store: StoreInfo, other_store: StoreInfo) -> dict[str, str]:
    """Four days of scripted activity around a month end (plus noise that must not count)."""
    sid = store.store_id
    b = await create_staff(db, store_id=sid, name="Bさん")
    a = store.admin_id
    for day, shown, executed in (("2025-03-30", 5, 2), ("2025-03-31", 3, 1),
                                 ("2025-04-01", 1, 0), ("2025-03-29", 7, 7)):
        await set_daily_stat(db, store_id=sid, day=date.fromisoformat(day), forms_shown=shown,
                             forms_executed=executed)
    g = await create_guest(db, store_id=sid)
    chats: list[dict[str, Any]] = [
        {"created_at": at("2025-03-30", "10:00:00"), "claimed_at": at("2025-03-30", "10:00:30"),
         "first_response_at": at("2025-03-30", "10:01:30"), "staff_id": a},
        {"created_at": at("2025-03-30", "11:00:00"), "claimed_at": at("2025-03-30", "11:01:30"),
         "first_response_at": at("2025-03-30", "11:01:40"), "staff_id": b},
        {"created_at": at("2025-03-30", "12:00:00"), "end_reason": "missed"},
        # started just before midnight, taken just after: two different days (in Tokyo;
        # both are 14:59 and 15:00 on 31 March in UTC)
        {"created_at": at("2025-03-31", "23:59:00"), "claimed_at": at("2025-04-01", "00:00:20"),
         "staff_id": b, "end_reason": "guest_left"},
        {"created_at": at("2025-03-31", "09:00:00"), "kind": "message",
         "end_reason": "message_left"},  # a message left while away is no chat
        {"created_at": at("2025-03-29", "09:00:00"), "claimed_at": at("2025-03-29", "09:00:05"),
         "staff_id": a},  # before the range
    ]
    for chat in chats:
        await create_past_conversation(db, store_id=sid, guest_id=g, **chat)
    og = await create_guest(db, store_id=other_store.store_id)
    await create_past_conversation(db, store_id=other_store.store_id, guest_id=og,
                                   created_at=at("2025-03-30", "10:00:00"), end_reason="missed")
    await set_daily_stat(db, store_id=other_store.store_id, day=date(2025, 3, 30),
                         forms_shown=99)
    return {"a": a, "b": b}


async def test_by_day(admin: httpx.AsyncClient, history: dict[str, str]) -> None:
    a, b = history["a"], history["b"]
    body = await stats(admin, "2025-03-30", "2025-04-02")
    assert (body["from"], body["to"], body["by"]) == ("2025-03-30", "2025-04-02", "day")
    assert body["time_zone"] == "Asia/Tokyo"
    rows = {r["period"]: r for r in body["rows"]}
    assert list(rows) == ["2025-03-30", "2025-03-31", "2025-04-01", "2025-04-02"]
    assert figures(rows["2025-03-30"]) == (5, 2, 3, 2, 1, 60.0, 35.0)
    assert rows["2025-03-30"]["per_staff"] == {a: 1, b: 1}
    assert figures(rows["2025-03-31"]) == (3, 1, 1, 0, 0, None, None)
    assert figures(rows["2025-04-01"]) == (1, 0, 0, 1, 0, 80.0, None)
    assert rows["2025-04-01"]["per_staff"] == {b: 1}
    assert figures(rows["2025-04-02"]) == (0, 0, 0, 0, 0, None, None)
    assert figures(body["totals"]) == (9, 3, 4, 3, 1, 66.7, 35.0)
    assert body["totals"]["per_staff"] == {a: 1, b: 2}
    assert [s["name"] for s in body["staff"]][1] == "Bさん"


async def test_by_month(admin: httpx.AsyncClient, history: dict[str, str]) -> None:
    body = await stats(admin, "2025-03-30", "2025-04-02", "month")
    assert [r["period"] for r in body["rows"]] == ["2025-03", "2025-04"]
    assert figures(body["rows"][0]) == (8, 3, 4, 2, 1, 60.0, 35.0)
    assert figures(body["rows"][1]) == (1, 0, 0, 1, 0, 80.0, None)
    whole = await stats(admin, "2025-01-01", "2025-12-31", "month")
    assert len(whole["rows"]) == 12
    assert figures(whole["totals"])[:5] == (16, 10, 5, 4, 1)


async def test_csv_is_the_same_table(admin: httpx.AsyncClient, history: dict[str, str]) -> None:
    params = {"from": "2025-03-30", "to": "2025-04-02", "by": "day"}
    body = (await admin.get("/api/stats", params=params)).json()
    r = await admin.get("/api/stats.csv", params=params)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in r.content
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    staff = body["staff"]
    assert lines[0] == ["期間", "フォーム表示数", "フォーム実行数", "チャット開始数", "対応数",
                        "取りこぼし数", "平均待ち時間（秒）", "平均初回応答時間（秒）",
                        "営業時間外の伝言数", "評価数", "平均評価（5段階）",
                        *[f"担当者: {s['name']}" for s in staff],
                        *[f"平均評価: {s['name']}" for s in staff]]  # issue 19
    expected = [*body["rows"], {**body["totals"], "period": "合計"}]
    assert len(lines) == 1 + len(expected)
    for line, row in zip(lines[1:], expected, strict=True):
        values = [row["period"], *("" if row[f] is None else str(row[f]) for f in CSV_FIGURES),
                  *(str(row["per_staff"].get(s["id"], 0)) for s in staff),
                  *("" for _ in staff)]  # no ratings in this history
        assert line == values
    english = await admin.get("/api/stats.csv", params=params,
                              headers={"Accept-Language": "en"})
    assert english.content.decode("utf-8-sig").startswith("Period,Forms shown,")


async def test_csv_cells_never_run_as_formulas(admin: httpx.AsyncClient, db: Database,
                                               store: StoreInfo) -> None:
    evil = await create_staff(db, store_id=store.store_id, name="=HYPERLINK(\"x\")")
    g = await create_guest(db, store_id=store.store_id)
    await create_past_conversation(db, store_id=store.store_id, guest_id=g, staff_id=evil,
                                   created_at=at("2025-05-01", "10:00:00"),
                                   claimed_at=at("2025-05-01", "10:00:01"))
    r = await admin.get("/api/stats.csv", params={"from": "2025-05-01", "to": "2025-05-01"})
    header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header[-2] == "担当者: =HYPERLINK(\"x\")"  # does not start with =
    assert header[-1] == "平均評価: =HYPERLINK(\"x\")"  # issue 19's column, alike
    body = await stats(admin, "2025-05-01", "2025-05-01")
    assert body["staff"] == [{"id": evil, "name": "=HYPERLINK(\"x\")"}]


@pytest.mark.parametrize(("query", "status"), [
    ({"from": "2025-04-02", "to": "2025-04-01"}, 400),
    ({"from": "2024-01-01", "to": "2025-02-01"}, 400),  # more than 366 days by day
    ({"from": "2020-01-01", "to": "2025-02-01", "by": "month"}, 400),
    ({"from": "2025-01-01", "to": "2025-01-02", "by": "week"}, 422),
    ({"from": "yesterday", "to": "2025-01-02"}, 422),
    ({"to": "2025-01-02"}, 422),
])
async def test_bad_ranges_are_refused(admin: httpx.AsyncClient, query: dict[str, str],
                                      status: int) -> None:
    r = await admin.get("/api/stats", params=query)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == "bad_frame"


async def test_figures_equal_what_guests_and_staff_did(
    server: ThreadServer, admin: httpx.AsyncClient, store: StoreInfo
) -> None:
    """Real sockets: the form is opened 5 times, 3 chats start, staff take 2, 1 is missed."""

    async def shown_today(n: int) -> bool:
        row = (await stats(admin, today, today))["rows"][0]
        return bool(row["forms_shown"] == n)

    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guests = [await Guest.connect(server.ws_url, store.widget_key) for _ in range(4)]
    today = utcnow().astimezone(TOKYO).date().isoformat()
    for n, guest in enumerate([*guests, guests[0]], start=1):
        await guest.send({"type": "form_shown"})
        # One at a time: the first counts of a day can race on PostgreSQL (bump_daily).
        await wait_for(lambda n=n: shown_today(n))
    taken = [await guests[i].start(f"客{i}") for i in range(2)]
    for conversation in taken:
        await staff.claim(conversation["id"])
    await staff.say(taken[0]["id"], "いらっしゃいませ")
    await guests[2].start("待ちきれない客")
    await guests[2].send({"type": "end"})
    await guests[2].expect("conversation", lambda f: f["status"] == "ended")
    row = (await stats(admin, today, today))["rows"][0]
    assert figures(row)[:5] == (5, 2, 3, 2, 1)
    assert row["per_staff"] == {store.admin_id: 2}
    assert row["avg_wait_seconds"] is not None and row["avg_first_response_seconds"] is not None
    for client in (*guests, staff):
        await client.close()
