"""A store's calendar days (statistics are counted in them)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chats.db.engine import Database
from chats.domain import calendar
from chats.errors import ChatsError
from chats.services import staff as staff_service


def test_a_moment_falls_on_the_zones_day() -> None:
    late_utc = datetime(2025, 3, 31, 15, 0, 20, tzinfo=UTC)  # 00:00:20 on 1 April in Tokyo
    assert calendar.local_date(late_utc, "Asia/Tokyo") == date(2025, 4, 1)
    assert calendar.local_date(late_utc, "UTC") == date(2025, 3, 31)
    assert calendar.local_date(late_utc, "America/Los_Angeles") == date(2025, 3, 31)


def test_days_are_bounded_by_the_zones_midnights() -> None:
    low, high = calendar.days_bounds(date(2025, 4, 1), date(2025, 4, 2), "Asia/Tokyo")
    assert (low, high) == (datetime(2025, 3, 31, 15, tzinfo=UTC),
                           datetime(2025, 4, 2, 15, tzinfo=UTC))
    # A day with a daylight-saving change is 23 hours long there.
    low, high = calendar.days_bounds(date(2025, 3, 9), date(2025, 3, 9), "America/New_York")
    assert (high - low).total_seconds() == 23 * 3600


def test_unknown_zones_are_refused() -> None:
    for name in ("Mars/Olympus_Mons", "", "../etc/passwd"):
        with pytest.raises(ValueError):
            calendar.zone(name)


async def test_a_new_store_counts_in_its_zone(db: Database) -> None:
    async with db.write() as session:
        ja = await staff_service.create_store(session, name="茶房", locale="ja")
        en = await staff_service.create_store(session, name="Cafe", locale="en")
        paris = await staff_service.create_store(session, name="Café", locale="en",
                                                 time_zone="Europe/Paris")
        assert (ja.time_zone, en.time_zone, paris.time_zone) == (
            "Asia/Tokyo", "UTC", "Europe/Paris")
        with pytest.raises(ChatsError) as refused:
            await staff_service.create_store(session, name="x", time_zone="Mars/Base")
        assert refused.value.code == "bad_frame"
        assert "Mars/Base" in refused.value.message("ja")
