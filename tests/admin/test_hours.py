"""The admin's business hours (issue 16): save, preview, refusals that change nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from chats.config import Settings
from tests.clock import FakeClock
from tests.factories import StoreInfo
from tests.servers import InProcessApp

# Monday 4 May 2026, 09:00 in Tokyo: Golden Week, with a substitute holiday on Wednesday.
NOW = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)


def schedule(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "enabled": True, "time_zone": "Asia/Tokyo", "holidays_closed": True,
        "weekly": [[["10:00", "12:00"], ["13:00", "18:00"]]] * 5 + [[], []],
        "closures": [{"start": "2026-05-11", "end": "2026-05-12", "label": "棚卸し"}],
        "special_days": [{"date": "2026-05-10", "ranges": [["11:00", "15:00"]],
                          "label": "母の日"}],
    }
    body.update(changes)
    return body


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[InProcessApp]:
    """The app in-process, its clock held at NOW."""
    async with InProcessApp(settings, clock=FakeClock(NOW)) as app:
        yield app


async def test_a_new_store_has_no_hours_and_is_open(admin: httpx.AsyncClient) -> None:
    r = await admin.get("/api/admin/hours")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["enabled"] is False and body["open_now"] is True and body["opens_at"] is None
    assert body["time_zone"] == "Asia/Tokyo"
    assert len(body["preview"]) == 14


async def test_hours_are_saved_with_holidays_closures_and_special_days(
        admin: httpx.AsyncClient) -> None:
    r = await admin.put("/api/admin/hours", json=schedule())
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["open_now"] is False  # a national holiday (みどりの日)
    assert saved["opens_at"] == "2026-05-07T10:00+09:00"  # Thursday, after 振替休日
    days = {d["date"]: d for d in saved["preview"]}
    assert days["2026-05-04"]["reason"] == "holiday"
    assert days["2026-05-04"]["label"] == "みどりの日"
    assert days["2026-05-06"]["reason"] == "holiday"
    assert days["2026-05-06"]["label"] == "振替休日"
    assert days["2026-05-07"]["ranges"] == [["10:00", "12:00"], ["13:00", "18:00"]]
    assert days["2026-05-09"]["ranges"] == []
    assert days["2026-05-10"] == {"date": "2026-05-10", "ranges": [["11:00", "15:00"]],
                                  "reason": "special", "label": "母の日"}
    assert days["2026-05-11"]["reason"] == "closure"
    assert (await admin.get("/api/admin/hours")).json() == saved
    english = await admin.get("/api/admin/hours", headers={"Accept-Language": "en"})
    assert {d["date"]: d["label"] for d in english.json()["preview"]}["2026-05-06"] == \
        "Substitute Holiday"


async def test_the_time_zone_is_editable(admin: httpx.AsyncClient) -> None:
    r = await admin.put("/api/admin/hours", json=schedule(time_zone="Europe/London",
                                                          holidays_closed=False))
    assert r.status_code == 200, r.text
    # Monday 01:00 in London: before 10:00 that same day.
    assert r.json()["opens_at"] == "2026-05-04T10:00+01:00"
    assert (await admin.get("/api/admin/hours")).json()["time_zone"] == "Europe/London"


@pytest.mark.parametrize(("change", "ja", "en"), [
    ({"weekly": [[["10:00", "14:00"], ["13:00", "18:00"]]] * 7},
     "月曜日の営業時間「10:00–14:00」と「13:00–18:00」が重なっています",
     "Monday: the ranges “10:00–14:00” and “13:00–18:00” overlap"),
    ({"weekly": [[]] * 6 + [[["18:00", "10:00"]]]}, "日曜日の「18:00〜10:00」",
     "Sunday: “18:00–10:00” must end after it starts"),
    ({"weekly": [[["25:00", "26:00"]]] * 7}, "時刻「25:00」は読めません", "“25:00” is not a time"),
    ({"special_days": [{"date": "2026-05-10", "ranges": [["09:00", "12:00"],
                                                         ["11:00", "13:00"]]}]},
     "2026-05-10の営業時間「09:00–12:00」と「11:00–13:00」が重なっています",
     "2026-05-10: the ranges"),
    ({"closures": [{"start": "2026-05-12", "end": "2026-05-11"}]},
     "終了日を開始日以降にしてください", "must end on or after its first day"),
    ({"time_zone": "Mars/Olympus"}, "タイムゾーン「Mars/Olympus」は使えません",
     "is not a time zone"),
])
async def test_bad_schedules_are_refused_and_change_nothing(
        admin: httpx.AsyncClient, change: dict[str, Any], ja: str, en: str) -> None:
    assert (await admin.put("/api/admin/hours", json=schedule())).status_code == 200
    before = (await admin.get("/api/admin/hours")).json()
    r = await admin.put("/api/admin/hours", json=schedule(**change))
    assert r.status_code == 400, r.text
    assert ja in r.json()["error"]["message"]
    r = await admin.put("/api/admin/hours", json=schedule(**change),
                        headers={"Accept-Language": "en"})
    assert r.status_code == 400 and en in r.json()["error"]["message"], r.text
    r = await admin.post("/api/admin/hours/preview", json=schedule(**change))
    assert r.status_code == 400
    assert (await admin.get("/api/admin/hours")).json() == before


async def test_malformed_bodies_are_refused(admin: httpx.AsyncClient) -> None:
    for body in (schedule(weekly=[[]] * 6), schedule(extra=1),
                 schedule(weekly=[[["10:00"]]] * 7),
                 schedule(weekly=[[["10:00", "12:00"]] * 7] * 7),
                 schedule(time_zone="x" * 65)):
        r = await admin.put("/api/admin/hours", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "bad_frame"
    assert (await admin.get("/api/admin/hours")).json()["enabled"] is False


async def test_the_preview_saves_nothing(admin: httpx.AsyncClient) -> None:
    r = await admin.post("/api/admin/hours/preview", json=schedule())
    assert r.status_code == 200, r.text
    assert r.json()["preview"][2]["reason"] == "holiday"
    assert (await admin.get("/api/admin/hours")).json()["enabled"] is False


async def test_agents_cannot_read_or_change_hours(agent: httpx.AsyncClient) -> None:
    assert (await agent.get("/api/admin/hours")).status_code == 403
    assert (await agent.put("/api/admin/hours", json=schedule())).status_code == 403


async def test_stats_csv_has_the_out_of_hours_column(admin: httpx.AsyncClient,
                                                     store: StoreInfo) -> None:
    r = await admin.get("/api/stats.csv", params={"from": "2026-05-01", "to": "2026-05-02"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][8] == "営業時間外の伝言数"
    assert rows[1][8] == "0"
    assert (await admin.get("/api/stats", params={"from": "2026-05-01", "to": "2026-05-02"})
            ).json()["totals"]["left_out_of_hours"] == 0
