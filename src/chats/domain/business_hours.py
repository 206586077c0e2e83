"""Business hours (営業時間): is a store open at an instant, and when does that next change.

A schedule is read in the store's own zone, by the wall clock: a weekly set of ranges
per weekday, national holidays closed (when asked), closures over date ranges
(年末年始, 夏季休業) and special days with their own ranges. A special day wins over a
closure, a closure over a holiday, a holiday over the weekday. Ranges are minutes
from local midnight, start inclusive, end exclusive; 24:00 (1440) ends a day. The
holiday calendar is handed in (the domain imports no package): `is_holiday(date)`.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from zoneinfo import ZoneInfo

DAY_MINUTES: Final = 24 * 60
MAX_RANGES_PER_DAY: Final = 6
MAX_DATED_ENTRIES: Final = 100
LOOK_AHEAD_DAYS: Final = 400  # the longest closure allowed, and some

class HoursError(ValueError):
    """A schedule that cannot be saved; `code` names the problem, `args` give details."""

    def __init__(self, code: str, **details: str) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True, slots=True)
class Closure:
    """Closed every day from `start` to `end` inclusive."""

    start: date
    end: date
    label: str = ""


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A day with its own ranges (an empty tuple: closed that day)."""

    day: date
    ranges: tuple[tuple[int, int], ...]
    label: str = ""


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """A store's schedule; `weekly[0]` is Monday (date.weekday())."""

    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays_closed: bool = True
    closures: tuple[Closure, ...] = ()
    special_days: tuple[SpecialDay, ...] = field(default=())


def parse_clock(text: str, *, end: bool = False) -> int:
    """Minutes from midnight of "HH:MM"; "24:00" only as an end (HoursError otherwise)."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts):
        raise HoursError("hours_time", value=text)
    hours, minutes = int(parts[0]), int(parts[1])
    if hours == 24 and minutes == 0 and end:
        return DAY_MINUTES
    if hours > 23 or minutes > 59:
        raise HoursError("hours_time", value=text)
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    """"HH:MM" of minutes from midnight (1440 is "24:00")."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_ranges(ranges: tuple[tuple[int, int], ...], where: str) -> tuple[tuple[int, int], ...]:
    """The ranges sorted, if each ends after it starts and none overlaps another."""
    if len(ranges) > MAX_RANGES_PER_DAY:
        raise HoursError("hours_too_many", where=where, limit=str(MAX_RANGES_PER_DAY))
    ordered = tuple(sorted(ranges))
    for start, end in ordered:
        if not 0 <= start < end <= DAY_MINUTES:
            raise HoursError("hours_order", where=where, start=format_clock(start),
                             end=format_clock(min(max(end, 0), DAY_MINUTES)))
    for (s1, e1), (s2, e2) in itertools.pairwise(ordered):
        if s2 < e1:
            raise HoursError("hours_overlap", where=where,
                             first=f"{format_clock(s1)}–{format_clock(e1)}",
                             second=f"{format_clock(s2)}–{format_clock(e2)}")
    return ordered


def check_schedule(hours: BusinessHours) -> BusinessHours:
    """`hours` with sorted ranges, or HoursError naming the first problem."""
    if len(hours.weekly) != 7:
        raise HoursError("hours_week")
    weekly = tuple(check_ranges(day, f"weekday:{i}") for i, day in enumerate(hours.weekly))
    if len(hours.closures) + len(hours.special_days) > MAX_DATED_ENTRIES:
        raise HoursError("hours_too_many_dates", limit=str(MAX_DATED_ENTRIES))
    for closure in hours.closures:
        if closure.end < closure.start:
            raise HoursError("hours_closure_order", start=closure.start.isoformat(),
                             end=closure.end.isoformat())
        if (closure.end - closure.start).days >= LOOK_AHEAD_DAYS - 30:
            raise HoursError("hours_closure_long", start=closure.start.isoformat())
    seen: set[date] = set()
    specials = []
    for special in hours.special_days:
        if special.day in seen:
            raise HoursError("hours_special_twice", day=special.day.isoformat())
        seen.add(special.day)
        specials.append(SpecialDay(special.day,
                                   check_ranges(special.ranges, special.day.isoformat()),
                                   special.label))
    return BusinessHours(weekly, hours.holidays_closed, hours.closures, tuple(specials))


def day_ranges(hours: BusinessHours, day: date,
               is_holiday: Callable[[date], bool]) -> tuple[tuple[int, int], ...]:
    """The ranges the store is open on the local calendar day `day`."""
    for special in hours.special_days:
        if special.day == day:
            return special.ranges
    if any(c.start <= day <= c.end for c in hours.closures):
        return ()
    if hours.holidays_closed and is_holiday(day):
        return ()
    return hours.weekly[day.weekday()]


def is_open(hours: BusinessHours, moment: datetime, tz: ZoneInfo,
            is_holiday: Callable[[date], bool]) -> bool:
    """Whether the store is open at `moment` (timezone-aware), by its zone's wall clock."""
    local = moment.astimezone(tz)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end
               for start, end in day_ranges(hours, local.date(), is_holiday))


def _wall_instants(day: date, minute: int, tz: ZoneInfo) -> Iterator[datetime]:
    """The UTC instants at which the wall clock reads `minute` of `day`, or jumps past it."""
    base = datetime.combine(day, time(), tzinfo=tz) if minute < DAY_MINUTES else \
        datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    wall = base + timedelta(minutes=minute % DAY_MINUTES) if minute < DAY_MINUTES else base
    for fold in (0, 1):
        candidate = wall.replace(fold=fold).astimezone(UTC)
        back = candidate.astimezone(tz).replace(tzinfo=None)
        if back == wall.replace(tzinfo=None, fold=0):
            yield candidate
        else:  # a wall time the clock skips: it is passed at the jump
            yield _jump_between(candidate, wall.replace(fold=1 - fold).astimezone(UTC), tz)


def _jump_between(a: datetime, b: datetime, tz: ZoneInfo) -> datetime:
    """The first whole second between `a` and `b` that has the later one's UTC offset."""
    low, high = int(min(a, b).timestamp()), math.ceil(max(a, b).timestamp())
    after = datetime.fromtimestamp(high, UTC).astimezone(tz).utcoffset()
    while high - low > 1:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == after:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)


def _offset_jumps(day: date, tz: ZoneInfo) -> Iterator[datetime]:
    """The instant the zone's offset changes during `day`, if it does."""
    start = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    end = start + timedelta(hours=26)
    if start.astimezone(tz).utcoffset() != end.astimezone(tz).utcoffset():
        yield _jump_between(start, end, tz)


def _candidates(hours: BusinessHours, day: date, tz: ZoneInfo,
                is_holiday: Callable[[date], bool]) -> list[datetime]:
    """Every instant around `day` at which being open could change.

    Being open changes only where the wall clock reaches a range's start or end, or
    jumps (a daylight-saving change) on a day next to one with ranges; a day with
    none and closed neighbours adds nothing.
    """
    minutes: set[int] = set()
    for start, end in day_ranges(hours, day, is_holiday):
        minutes.update((start, end))
    found = list({instant for m in minutes for instant in _wall_instants(day, m, tz)})
    if minutes or any(day_ranges(hours, day + timedelta(days=d), is_holiday) for d in (-1, 1)):
        found.extend(_offset_jumps(day, tz))
    return found


def next_change(hours: BusinessHours, moment: datetime, tz: ZoneInfo,
                is_holiday: Callable[[date], bool], *,
                days: int = LOOK_AHEAD_DAYS) -> datetime | None:
    """The first instant after `moment` at which `is_open` differs from now (None: not soon)."""
    is_holiday = functools.cache(is_holiday)  # each day is asked about several times
    now_open = is_open(hours, moment, tz, is_holiday)
    first = moment.astimezone(tz).date() - timedelta(days=1)
    pending: list[datetime] = []
    for offset in range(days + 2):
        pending.extend(c for c in _candidates(hours, first + timedelta(days=offset), tz,
                                              is_holiday) if c > moment)
        # Candidates of later days are all later than this day's end; those before it
        # are final once the next day is added.
        horizon = datetime.combine(first + timedelta(days=offset), time(),
                                   tzinfo=tz).astimezone(UTC)
        ready = sorted(c for c in pending if c <= horizon)
        for candidate in ready:
            if is_open(hours, candidate, tz, is_holiday) != now_open:
                return candidate
        pending = [c for c in pending if c > horizon]
    return None


def next_open(hours: BusinessHours, moment: datetime, tz: ZoneInfo,
              is_holiday: Callable[[date], bool]) -> datetime | None:
    """`moment` when open, else the next instant the store opens (None: not within a year)."""
    if is_open(hours, moment, tz, is_holiday):
        return moment
    return next_change(hours, moment, tz, is_holiday)


def preview(hours: BusinessHours, start: date, days: int,
            is_holiday: Callable[[date], bool]) -> list[tuple[date, tuple[tuple[int, int], ...],
                                                             str]]:
    """For each of `days` days from `start`: its ranges and why (weekly, holiday, closure…)."""
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        out.append((day, day_ranges(hours, day, is_holiday), day_reason(hours, day, is_holiday)))
    return out


def day_reason(hours: BusinessHours, day: date, is_holiday: Callable[[date], bool]) -> str:
    """"special", "closure", "holiday" or "weekly": which rule decides the day."""
    if any(s.day == day for s in hours.special_days):
        return "special"
    if any(c.start <= day <= c.end for c in hours.closures):
        return "closure"
    if hours.holidays_closed and is_holiday(day):
        return "holiday"
    return "weekly"
