"""A5 access statistics: per day or month, from the daily counters and the conversations.

Days are the store's calendar days (`Store.time_zone`), the same days the form counters
(`DailyStat`) are kept in.
Conversation figures are bucketed by when they happened: started and missed by
`created_at`; taken, wait, first response and per-staff counts by `claimed_at`
(the moment that also counts one "form executed").
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import and_, or_, select

from chats.db.models import Conversation, DailyStat, Staff, Store
from chats.domain import calendar
from chats.domain.conversation import ConversationKind, EndReason
from chats.errors import ChatsError
from chats.i18n import translate

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from sqlalchemy.ext.asyncio import AsyncSession

Granularity = Literal["day", "month"]
MAX_DAYS: Final = {"day": 366, "month": 3 * 366}
COUNTERS: Final = ("forms_shown", "forms_executed", "chats_started", "chats_taken", "missed",
                   "left_out_of_hours")
# The CSV's columns before the per-staff ones; later additions go at the end (readers of
# older files keep their columns).
CSV_COLUMNS: Final = ("forms_shown", "forms_executed", "chats_started", "chats_taken", "missed",
                      "avg_wait_seconds", "avg_first_response_seconds", "left_out_of_hours",
                      "csat_count", "csat_average")


@dataclass
class Bucket:
    """One row of the table: a day ("2025-04-01") or a month ("2025-04")."""

    period: str
    forms_shown: int = 0
    forms_executed: int = 0
    chats_started: int = 0
    chats_taken: int = 0
    missed: int = 0
    left_out_of_hours: int = 0  # messages left outside business hours (issue 16)
    waits: list[float] = field(default_factory=list)
    first_responses: list[float] = field(default_factory=list)
    per_staff: Counter[str] = field(default_factory=Counter)
    # Issue 19: satisfaction ratings (1–5) given in the period, all and per staff member.
    ratings: list[int] = field(default_factory=list)
    staff_ratings: dict[str, list[int]] = field(default_factory=dict)

    @property
    def csat_count(self) -> int:
        """How many ratings guests gave in the period."""
        return len(self.ratings)

    @property
    def csat_average(self) -> float | None:
        """Their mean, to two decimals (None without any)."""
        return round(sum(self.ratings) / len(self.ratings), 2) if self.ratings else None

    def staff_csat(self, staff_id: str) -> tuple[int, float | None]:
        """(count, mean) of one staff member's ratings in the period."""
        got = self.staff_ratings.get(staff_id, [])
        return len(got), (round(sum(got) / len(got), 2) if got else None)

    @property
    def avg_wait_seconds(self) -> float | None:
        """Mean seconds from the guest's start to a staff member's claim."""
        return _mean(self.waits)

    @property
    def avg_first_response_seconds(self) -> float | None:
        """Mean seconds from the claim to the staff member's first message."""
        return _mean(self.first_responses)

    def add(self, other: Bucket) -> None:
        """Fold another bucket into this one (for totals)."""
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waits += other.waits
        self.first_responses += other.first_responses
        self.per_staff.update(other.per_staff)
        self.ratings += other.ratings
        for staff_id, scores in other.staff_ratings.items():
            self.staff_ratings.setdefault(staff_id, []).extend(scores)


@dataclass
class StatsTable:
    """The whole answer: rows in period order, their totals, and the staff named in them."""

    start: date
    end: date
    by: Granularity
    rows: list[Bucket]
    totals: Bucket
    staff: list[tuple[str, str]]  # (id, name), ordered by name
    time_zone: str = "UTC"  # whose calendar days the rows are


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def period_of(day: date, by: Granularity) -> str:
    """The label of the bucket holding `day`."""
    return day.isoformat() if by == "day" else day.strftime("%Y-%m")


def periods(start: date, end: date, by: Granularity) -> list[str]:
    """Every bucket label from `start` to `end` inclusive, empty ones included."""
    labels: list[str] = []
    day = start
    while day <= end:
        label = period_of(day, by)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def check_range(start: date, end: date, by: str) -> Granularity:
    """Refuse an inverted range, an unknown granularity or a range too long to draw."""
    if by not in MAX_DAYS:
        raise ChatsError("bad_frame", "error.stats_range", max_days=MAX_DAYS["day"])
    gran: Granularity = "day" if by == "day" else "month"
    if end < start or (end - start).days + 1 > MAX_DAYS[gran]:
        raise ChatsError("bad_frame", "error.stats_range", max_days=MAX_DAYS[gran])
    return gran


async def _add_daily(session: AsyncSession, store_id: str, start: date, end: date,
                     buckets: dict[str, Bucket], by: Granularity) -> None:
    rows = await session.execute(
        select(DailyStat.day, DailyStat.forms_shown, DailyStat.forms_executed).where(
            DailyStat.store_id == store_id, DailyStat.day >= start, DailyStat.day <= end
        )
    )
    for day, shown, executed in rows:
        bucket = buckets[period_of(day, by)]
        bucket.forms_shown += shown
        bucket.forms_executed += executed


async def _add_conversations(session: AsyncSession, store_id: str, start: date, end: date,
                             buckets: dict[str, Bucket], by: Granularity, zone: str) -> None:
    low, high = calendar.days_bounds(start, end, zone)
    rows = await session.execute(
        select(Conversation.created_at, Conversation.claimed_at, Conversation.first_response_at,
               Conversation.end_reason, Conversation.staff_id)
        .where(Conversation.store_id == store_id, Conversation.kind == ConversationKind.CHAT,
               or_(and_(Conversation.created_at >= low, Conversation.created_at < high),
                   and_(Conversation.claimed_at >= low, Conversation.claimed_at < high)))
    )
    for created, claimed, first, reason, staff_id in rows:
        if low <= created < high:
            bucket = buckets[period_of(calendar.local_date(created, zone), by)]
            bucket.chats_started += 1
            bucket.missed += reason == EndReason.MISSED
        if claimed is not None and low <= claimed < high:
            bucket = buckets[period_of(calendar.local_date(claimed, zone), by)]
            bucket.chats_taken += 1
            bucket.waits.append(max(0.0, (claimed - created).total_seconds()))
            if first is not None:
                bucket.first_responses.append(max(0.0, (first - claimed).total_seconds()))
            if staff_id:
                bucket.per_staff[staff_id] += 1


async def _add_left_out_of_hours(session: AsyncSession, store_id: str, start: date, end: date,
                                 buckets: dict[str, Bucket], by: Granularity,
                                 zone: str) -> None:
    low, high = calendar.days_bounds(start, end, zone)
    rows = await session.scalars(
        select(Conversation.created_at)
        .where(Conversation.store_id == store_id, Conversation.kind == ConversationKind.MESSAGE,
               Conversation.out_of_hours.is_(True), Conversation.created_at >= low,
               Conversation.created_at < high))
    for created in rows:
        buckets[period_of(calendar.local_date(created, zone), by)].left_out_of_hours += 1


async def _add_ratings(session: AsyncSession, store_id: str, start: date, end: date,
                       buckets: dict[str, Bucket], by: Granularity, zone: str) -> None:
    """Issue 19: ratings by when they were given, per staff member who held the chat."""
    low, high = calendar.days_bounds(start, end, zone)
    rows = await session.execute(
        select(Conversation.rated_at, Conversation.rating, Conversation.staff_id)
        .where(Conversation.store_id == store_id, Conversation.rated_at >= low,
               Conversation.rated_at < high, Conversation.rating.is_not(None)))
    for rated, score, staff_id in rows:
        if rated is None or score is None:
            continue
        bucket = buckets[period_of(calendar.local_date(rated, zone), by)]
        bucket.ratings.append(int(score))
        if staff_id:
            bucket.staff_ratings.setdefault(staff_id, []).append(int(score))


async def _staff_names(session: AsyncSession, ids: Iterable[str]) -> list[tuple[str, str]]:
    wanted = set(ids)
    if not wanted:
        return []
    rows = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted)))
    return sorted(((sid, name) for sid, name in rows), key=lambda p: (p[1], p[0]))


async def compute(session: AsyncSession, *, store_id: str, start: date, end: date,
                  by: str) -> StatsTable:
    """The statistics table of a store for a date range (inclusive), by day or month."""
    gran = check_range(start, end, by)
    buckets = {label: Bucket(label) for label in periods(start, end, gran)}
    await _add_daily(session, store_id, start, end, buckets, gran)
    zone = await session.scalar(select(Store.time_zone).where(Store.id == store_id))
    await _add_conversations(session, store_id, start, end, buckets, gran, zone or "UTC")
    await _add_left_out_of_hours(session, store_id, start, end, buckets, gran, zone or "UTC")
    await _add_ratings(session, store_id, start, end, buckets, gran, zone or "UTC")
    totals = Bucket("total")
    for bucket in buckets.values():
        totals.add(bucket)
    staff = await _staff_names(session, set(totals.per_staff) | set(totals.staff_ratings))
    return StatsTable(start, end, gran, list(buckets.values()), totals, staff, zone or "UTC")


def _cell(value: object) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with '."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(bucket: Bucket, label: str, staff: list[tuple[str, str]]) -> list[str]:
    values: list[object] = [label, *(getattr(bucket, name) for name in CSV_COLUMNS)]
    values += [bucket.per_staff.get(sid, 0) for sid, _ in staff]
    values += [bucket.staff_csat(sid)[1] for sid, _ in staff]  # issue 19: mean rating
    return [_cell(v) for v in values]


def csv_rows(table: StatsTable, locale: str) -> Iterator[list[str]]:
    """Header, one line per period, then the totals: the same table the API returns."""
    names = ("period", *CSV_COLUMNS)
    header = [translate(f"admin.stats.{name}", locale) for name in names]
    header += [_cell(translate("admin.stats.staff_column", locale, name=n))
               for _, n in table.staff]
    header += [_cell(translate("admin.stats.staff_csat_column", locale, name=n))
               for _, n in table.staff]
    yield header
    for bucket in table.rows:
        yield _csv_line(bucket, bucket.period, table.staff)
    yield _csv_line(table.totals, translate("admin.stats.total", locale), table.staff)


def to_csv(table: StatsTable, locale: str) -> bytes:
    """The table as CSV for spreadsheets: UTF-8 with a BOM (Excel in Japan), CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(csv_rows(table, locale))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
