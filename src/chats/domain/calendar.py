"""Calendar days in a store's time zone (statistics count a shop's own days, A5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (ValueError when unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def local_date(moment: datetime, zone_name: str) -> date:
    """The calendar day `moment` (timezone-aware) falls on in the zone."""
    return moment.astimezone(zone(zone_name)).date()


def days_bounds(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """The UTC instants from the zone's midnight starting `start` to the one ending `end`."""
    tz = zone(zone_name)
    return (datetime.combine(start, time(), tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC))
