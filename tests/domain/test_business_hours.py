"""Business hours (issue 16): open at an instant, the next change, refused schedules."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain import business_hours as rules
from chats.services import business_hours as hours_service

TOKYO = ZoneInfo("Asia/Tokyo")
# Zones with and without daylight saving: a 1-hour gap and repeat (New York, London), a
# 30-minute one (Lord Howe), one south of the equator (Santiago), none (Tokyo, UTC).
ZONES = [ZoneInfo(z) for z in ("Asia/Tokyo", "UTC", "America/New_York", "Europe/London",
                               "Australia/Lord_Howe", "America/Santiago")]


def no_holidays(_day: date) -> bool:
    return False


def weekdays(*ranges: tuple[int, int]) -> tuple[tuple[tuple[int, int], ...], ...]:
    return tuple(ranges if i < 5 else () for i in range(7))


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    points = sorted(draw(st.sets(st.integers(0, 96).map(lambda q: q * 15), max_size=6)))
    pairs = tuple((points[i], points[i + 1]) for i in range(0, len(points) - 1, 2))
    return pairs


@st.composite
def schedules(draw: st.DrawFn) -> rules.BusinessHours:
    weekly = tuple(draw(day_ranges()) for _ in range(7))
    start = draw(st.dates(date(2026, 1, 1), date(2027, 12, 1)))
    closures = tuple(rules.Closure(start, start + timedelta(days=draw(st.integers(0, 20))))
                     for _ in range(draw(st.integers(0, 1))))
    special_day = draw(st.dates(date(2026, 1, 1), date(2027, 12, 1)))
    specials = tuple(rules.SpecialDay(special_day, draw(day_ranges()))
                     for _ in range(draw(st.integers(0, 1))))
    return rules.check_schedule(rules.BusinessHours(weekly, draw(st.booleans()), closures,
                                                    specials))


# Daylight-saving changes of 2026 (New York, London, Lord Howe, Santiago), in UTC: the
# instants around them are drawn as often as any other.
JUMPS = [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC),
         datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
         datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
         datetime(2026, 4, 5, 3, tzinfo=UTC), datetime(2026, 9, 6, 4, tzinfo=UTC)]
instants = st.one_of(
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)).map(  # noqa: DTZ001
        lambda d: d.replace(tzinfo=UTC)),
    st.builds(lambda jump, minutes: jump + timedelta(minutes=minutes),
              st.sampled_from(JUMPS), st.integers(-600, 600)))
holiday_sets = st.sets(st.dates(date(2026, 1, 1), date(2028, 3, 1)), max_size=20)


@given(schedules(), instants, st.sampled_from(ZONES), holiday_sets,
       st.lists(st.floats(0, 1), max_size=8))
def test_the_next_change_is_the_first_instant_that_differs(
        hours: rules.BusinessHours, moment: datetime, tz: ZoneInfo, holidays: set[date],
        fractions: list[float]) -> None:
    is_holiday = holidays.__contains__
    now_open = rules.is_open(hours, moment, tz, is_holiday)
    change = rules.next_change(hours, moment, tz, is_holiday)
    if change is None:
        return
    assert change > moment
    assert rules.is_open(hours, change, tz, is_holiday) != now_open
    # Nothing changed before it: just before, and anywhere in between.
    before = change - timedelta(seconds=1)
    if before > moment:
        assert rules.is_open(hours, before, tz, is_holiday) == now_open
    for fraction in fractions:
        between = moment + (change - moment) * fraction
        if between < change:
            assert rules.is_open(hours, between, tz, is_holiday) == now_open


@given(schedules(), instants, holiday_sets)
def test_without_daylight_saving_the_store_opens_at_a_range_start(
        hours: rules.BusinessHours, moment: datetime, holidays: set[date]) -> None:
    opens = rules.next_open(hours, moment, TOKYO, holidays.__contains__)
    if opens is None or opens == moment:
        return
    local = opens.astimezone(TOKYO)
    starts = [start for start, _ in rules.day_ranges(hours, local.date(), holidays.__contains__)]
    assert local.hour * 60 + local.minute in starts
    assert local.second == 0


@given(st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 1440)), min_size=2, max_size=6))
def test_overlapping_ranges_are_refused_and_others_kept(pairs: list[tuple[int, int]]) -> None:
    ranges = tuple((a, b) for a, b in pairs if a < b)
    ordered = sorted(ranges)
    overlaps = any(s2 < e1 for (_, e1), (s2, _) in itertools.pairwise(ordered))
    if overlaps:
        with pytest.raises(rules.HoursError) as refused:
            rules.check_ranges(ranges, "weekday:0")
        assert refused.value.code == "hours_overlap"
    else:
        assert rules.check_ranges(ranges, "weekday:0") == tuple(ordered)


def test_times_are_read_strictly() -> None:
    assert rules.parse_clock("09:30") == 570
    assert rules.parse_clock("24:00", end=True) == 1440
    for bad in ("24:00", "9:30", "０９:３０", "12:60", "25:00", "ab:cd", "", "12:00:00"):
        with pytest.raises(rules.HoursError):
            rules.parse_clock(bad)
    with pytest.raises(rules.HoursError) as refused:
        rules.check_ranges(((600, 540),), "weekday:2")
    assert refused.value.code == "hours_order"


def test_a_range_to_midnight_runs_on_into_the_next_day() -> None:
    late = rules.check_schedule(rules.BusinessHours(
        tuple(((1320, 1440), (0, 120)) for _ in range(7)), holidays_closed=False))
    moment = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)  # 22:30 in Tokyo
    assert rules.is_open(late, moment, TOKYO, no_holidays)
    change = rules.next_change(late, moment, TOKYO, no_holidays)
    assert change is not None and change.astimezone(TOKYO) == datetime(2026, 12, 4, 2, 0,
                                                                       tzinfo=TOKYO)


def test_closed_thursday_evening_opens_friday_morning_in_tokyo() -> None:
    hours = rules.check_schedule(rules.BusinessHours(weekdays((600, 720), (780, 1080))))
    evening = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # Thursday 19:00 in Tokyo
    assert not rules.is_open(hours, evening, TOKYO, hours_service.is_holiday)
    opens = rules.next_open(hours, evening, TOKYO, hours_service.is_holiday)
    assert opens is not None and opens.astimezone(TOKYO).isoformat() == "2026-12-04T10:00:00+09:00"
    lunch = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)  # 12:30: between the two ranges
    assert not rules.is_open(hours, lunch, TOKYO, hours_service.is_holiday)


def test_holidays_closures_and_special_days() -> None:
    year_end = rules.Closure(date(2026, 12, 29), date(2027, 1, 3), "年末年始")
    hours = rules.check_schedule(rules.BusinessHours(
        weekdays((600, 1080)), closures=(year_end,),
        special_days=(rules.SpecialDay(date(2026, 12, 27), ((600, 900),), "歳末セール"),)))
    is_holiday = hours_service.is_holiday
    # 2026-05-06 is a substitute holiday (振替休日), a Wednesday: closed by default.
    assert is_holiday(date(2026, 5, 6))
    assert rules.day_ranges(hours, date(2026, 5, 6), is_holiday) == ()
    open_on_holidays = rules.BusinessHours(hours.weekly, holidays_closed=False)
    assert rules.day_ranges(open_on_holidays, date(2026, 5, 6), is_holiday) == ((600, 1080),)
    # The closure spans the new year; the special Sunday opens although Sundays do not.
    assert rules.day_ranges(hours, date(2026, 12, 30), is_holiday) == ()
    assert rules.day_ranges(hours, date(2026, 12, 27), is_holiday) == ((600, 900),)
    last_day = datetime(2026, 12, 28, 9, 0, tzinfo=UTC)  # Monday 18:00, then 年末年始
    opens = rules.next_open(hours, last_day, TOKYO, is_holiday)
    assert opens is not None and opens.astimezone(TOKYO) == datetime(2027, 1, 4, 10, 0,
                                                                     tzinfo=TOKYO)
    reasons = [r for _, _, r in rules.preview(hours, date(2026, 12, 27), 3, is_holiday)]
    assert reasons == ["special", "weekly", "closure"]


def test_schedule_errors_name_the_problem() -> None:
    with pytest.raises(rules.HoursError) as refused:
        rules.check_schedule(rules.BusinessHours(weekdays(), closures=(
            rules.Closure(date(2026, 12, 31), date(2026, 12, 1)),)))
    assert refused.value.code == "hours_closure_order"
    with pytest.raises(rules.HoursError) as refused:
        rules.check_schedule(rules.BusinessHours(weekdays(), special_days=(
            rules.SpecialDay(date(2026, 12, 1), ()), rules.SpecialDay(date(2026, 12, 1), ()))))
    assert refused.value.code == "hours_special_twice"


def test_a_store_never_open_has_no_next_opening() -> None:
    never = rules.BusinessHours(tuple(() for _ in range(7)))
    assert rules.next_open(never, datetime(2026, 12, 3, tzinfo=UTC), TOKYO, no_holidays) is None


def test_the_gap_of_spring_forward_opens_at_the_jump() -> None:
    new_york = ZoneInfo("America/New_York")
    hours = rules.BusinessHours(tuple(((150, 200),) for _ in range(7)), holidays_closed=False)
    before = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST; 02:00–03:00 does not exist
    change = rules.next_change(hours, before, new_york, no_holidays)
    assert change == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT, reading past 02:30


def test_the_repeated_hour_of_fall_back_opens_again() -> None:
    new_york = ZoneInfo("America/New_York")
    hours = rules.BusinessHours(tuple(((0, 90),) for _ in range(7)), holidays_closed=False)
    closed = datetime(2026, 11, 1, 5, 45, tzinfo=UTC)  # 01:45 EDT; at 06:00 UTC it is 01:00 EST
    assert not rules.is_open(hours, closed, new_york, no_holidays)
    assert rules.next_change(hours, closed, new_york, no_holidays) == datetime(
        2026, 11, 1, 6, 0, tzinfo=UTC)
