"""Business hours (営業時間, issue 16): the stored schedule, its checks and its live state.

The schedule is one JSON value on the store (`Store.business_hours`):

    {"enabled": true, "holidays_closed": true,
     "weekly": [[["10:00", "18:00"]], …seven days, Monday first…],
     "closures": [{"start": "2026-12-29", "end": "2027-01-03", "label": "年末年始"}],
     "special_days": [{"date": "2026-12-27", "ranges": [["10:00", "15:00"]], "label": ""}]}

None, or `enabled` false, means no hours: the store is open whenever staff are. The
rules are `domain/business_hours.py`; Japan's national holidays (substitute holidays
included) come from the `holidays` package (docs/decisions/0009-business-hours.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

import holidays
from sqlalchemy import select

from chats.db.models import Store
from chats.domain import business_hours as rules
from chats.domain import calendar
from chats.errors import ChatsError
from chats.i18n import Term
from chats.services.staff import check_time_zone

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

PREVIEW_DAYS: Final = 14
HOLIDAY_COUNTRY: Final = "JP"
LABEL_MAX: Final = 40


@lru_cache(maxsize=2)
def _holidays(language: str) -> holidays.HolidayBase:
    # Years are filled in as they are asked for (the package's expand mode).
    return holidays.country_holidays(HOLIDAY_COUNTRY, language=language)


def is_holiday(day: date) -> bool:
    """Whether `day` is a national holiday of Japan (振替休日 and 国民の休日 included)."""
    return day in _holidays("ja")


def holiday_name(day: date, locale: str) -> str | None:
    """The holiday's name in `locale` (ja or en), or None."""
    name = _holidays("ja" if locale == "ja" else "en_US").get(day)
    return str(name) if name is not None else None


@dataclass(frozen=True, slots=True)
class HoursState:
    """Open now or not; when it next opens (None: open now, or not within a year); next flip."""

    open: bool
    opens_at: datetime | None
    changes_at: datetime | None
    zone: str = "UTC"

    @property
    def opens_at_local(self) -> str | None:
        """`opens_at` in the store's zone with its offset ("2026-12-04T10:00+09:00")."""
        return local_iso(self.opens_at, self.zone)


ALWAYS_OPEN: Final = HoursState(True, None, None)


def _ranges(pairs: Any) -> tuple[tuple[int, int], ...]:
    return tuple((rules.parse_clock(a), rules.parse_clock(b, end=True)) for a, b in pairs)


def parse(data: dict[str, Any] | None) -> rules.BusinessHours | None:
    """The domain schedule of a stored value (checked when saved), or None when not in use."""
    if not data or not data.get("enabled"):
        return None
    return rules.BusinessHours(
        weekly=tuple(_ranges(day) for day in data["weekly"]),
        holidays_closed=bool(data.get("holidays_closed", True)),
        closures=tuple(rules.Closure(date.fromisoformat(c["start"]), date.fromisoformat(c["end"]),
                                     c.get("label", "")) for c in data.get("closures", [])),
        special_days=tuple(rules.SpecialDay(date.fromisoformat(s["date"]), _ranges(s["ranges"]),
                                            s.get("label", ""))
                           for s in data.get("special_days", [])),
    )


# A state holds from when it was worked out until its change: the notifier asks on every
# publish, and looking a year ahead for a store that never closes costs ~0.1 s.
_KNOWN: dict[tuple[str, str], tuple[datetime, HoursState]] = {}
_KNOWN_MAX: Final = 1024
NO_CHANGE_HOLDS: Final = timedelta(days=7)


def state_at(data: dict[str, Any] | None, zone_name: str, moment: datetime) -> HoursState:
    """Whether the store is within its hours at `moment`, and when that changes."""
    hours = parse(data)
    if hours is None:
        return ALWAYS_OPEN
    key = (json.dumps(data, sort_keys=True, ensure_ascii=False), zone_name)
    known = _KNOWN.get(key)
    if known is not None:
        since, state = known
        until = state.changes_at or since + NO_CHANGE_HOLDS
        if since <= moment < until:
            return state
    tz = calendar.zone(zone_name)
    is_open = rules.is_open(hours, moment, tz, is_holiday)
    change = rules.next_change(hours, moment, tz, is_holiday)
    state = HoursState(is_open, None if is_open else change, change, zone_name)
    if len(_KNOWN) >= _KNOWN_MAX:
        _KNOWN.clear()
    _KNOWN[key] = (moment, state)
    return state


async def state_now(session: AsyncSession, store_id: str, moment: datetime) -> HoursState:
    """The store's hours state at `moment` (one primary-key read)."""
    row = (await session.execute(select(Store.business_hours, Store.time_zone)
                                 .where(Store.id == store_id))).first()
    if row is None:
        return ALWAYS_OPEN
    return state_at(row[0], row[1] or "UTC", moment)


def local_iso(moment: datetime | None, zone_name: str) -> str | None:
    """`moment` as ISO 8601 in the store's zone with its offset ("2026-12-04T10:00:00+09:00")."""
    if moment is None:
        return None
    return moment.astimezone(calendar.zone(zone_name)).isoformat(timespec="minutes")


def _refuse(exc: rules.HoursError) -> ChatsError:
    details: dict[str, object] = dict(exc.details)
    where = exc.details.get("where", "")
    if where.startswith("weekday:"):
        details["where"] = Term(f"hours.weekday.{where.split(':')[1]}")
    error = ChatsError("bad_frame", f"error.{exc.code}")
    error.params = details
    return error


def _clean_label(label: str) -> str:
    return " ".join(label.split())[:LABEL_MAX]


def check(data: dict[str, Any]) -> dict[str, Any]:
    """The schedule to store, normalised, or a localised refusal naming the first problem."""
    try:
        weekly = tuple(_ranges(day) for day in data["weekly"])
        closures = tuple(rules.Closure(date.fromisoformat(c["start"]),
                                       date.fromisoformat(c["end"]), _clean_label(c["label"]))
                         for c in data["closures"])
        specials = tuple(rules.SpecialDay(date.fromisoformat(s["date"]), _ranges(s["ranges"]),
                                          _clean_label(s["label"]))
                         for s in data["special_days"])
        hours = rules.check_schedule(rules.BusinessHours(
            weekly, bool(data["holidays_closed"]), closures, specials))
    except rules.HoursError as exc:
        raise _refuse(exc) from None
    return to_json(hours, enabled=bool(data["enabled"]))


def _pairs(ranges: tuple[tuple[int, int], ...]) -> list[list[str]]:
    return [[rules.format_clock(a), rules.format_clock(b)] for a, b in ranges]


def to_json(hours: rules.BusinessHours, *, enabled: bool) -> dict[str, Any]:
    """The stored form of a checked schedule."""
    return {
        "enabled": enabled,
        "holidays_closed": hours.holidays_closed,
        "weekly": [_pairs(day) for day in hours.weekly],
        "closures": [{"start": c.start.isoformat(), "end": c.end.isoformat(), "label": c.label}
                     for c in sorted(hours.closures, key=lambda c: (c.start, c.end))],
        "special_days": [{"date": s.day.isoformat(), "ranges": _pairs(s.ranges),
                          "label": s.label}
                         for s in sorted(hours.special_days, key=lambda s: s.day)],
    }


def empty() -> dict[str, Any]:
    """What a store without hours edits from: weekdays 10:00–18:00, not yet in use."""
    weekday = [["10:00", "18:00"]]
    return {"enabled": False, "holidays_closed": True,
            "weekly": [weekday] * 5 + [[], []], "closures": [], "special_days": []}


async def read(session: AsyncSession, store_id: str) -> tuple[dict[str, Any], str]:
    """The store's schedule (a default one when none is saved) and time zone."""
    store = await session.get(Store, store_id)
    if store is None:
        raise ChatsError("not_found")
    return (store.business_hours or empty()), store.time_zone


def check_zone(name: str) -> str:
    """`name` if it is an IANA time zone, else a localised refusal."""
    check_time_zone(name)
    return name


async def save(session: AsyncSession, store_id: str, *, data: dict[str, Any],
               time_zone: str) -> tuple[dict[str, Any], str]:
    """Check everything first, then store the schedule and the zone (nothing on refusal)."""
    check_time_zone(time_zone)
    stored = check(data)
    store = await session.get(Store, store_id)
    if store is None:
        raise ChatsError("not_found")
    store.business_hours = stored
    store.time_zone = time_zone
    return stored, time_zone


def preview(data: dict[str, Any], zone_name: str, moment: datetime, locale: str,
            days: int = PREVIEW_DAYS) -> list[dict[str, Any]]:
    """The next `days` local days: open ranges and the rule that decides each."""
    hours = parse({**data, "enabled": True})
    assert hours is not None
    start = calendar.local_date(moment, zone_name)
    out = []
    for day, ranges, reason in rules.preview(hours, start, days, is_holiday):
        label = holiday_name(day, locale) if reason == "holiday" else None
        if reason == "closure":
            label = next((c.label for c in hours.closures if c.start <= day <= c.end), "")
        elif reason == "special":
            label = next((s.label for s in hours.special_days if s.day == day), "")
        out.append({"date": day.isoformat(), "ranges": _pairs(ranges), "reason": reason,
                    "label": label or holiday_name(day, locale)})
    return out

