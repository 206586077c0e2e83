"""A5 access statistics as JSON and as CSV; admins only, the caller's store only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from chats.api.deps import Ctx, CurrentAdmin, Locale
from chats.services import stats as stats_service

router = APIRouter(prefix="/api", tags=["stats"])
From = Annotated[date, Query(alias="from", description="first day, YYYY-MM-DD (UTC days)")]
To = Annotated[date, Query(alias="to", description="last day, YYYY-MM-DD, inclusive")]
By = Annotated[Literal["day", "month"], Query(description="one row per day or per month")]


class StaffCsat(BaseModel):
    count: int
    average: float | None


class StatsRow(BaseModel):
    period: str
    forms_shown: int
    forms_executed: int
    chats_started: int
    chats_taken: int
    missed: int
    left_out_of_hours: int  # issue 16: messages left outside business hours
    avg_wait_seconds: float | None
    avg_first_response_seconds: float | None
    per_staff: dict[str, int]
    # Issue 19: satisfaction ratings given in the period (1–5), overall and per staff id.
    csat_count: int = 0
    csat_average: float | None = None
    csat_per_staff: dict[str, StaffCsat] = {}


class StaffRef(BaseModel):
    id: str
    name: str


class StatsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    by: str
    rows: list[StatsRow]
    totals: StatsRow
    staff: list[StaffRef]
    time_zone: str  # the IANA zone whose calendar days the rows are


def _row(bucket: stats_service.Bucket) -> StatsRow:
    return StatsRow(
        period=bucket.period, forms_shown=bucket.forms_shown,
        forms_executed=bucket.forms_executed, chats_started=bucket.chats_started,
        chats_taken=bucket.chats_taken, missed=bucket.missed,
        left_out_of_hours=bucket.left_out_of_hours,
        avg_wait_seconds=bucket.avg_wait_seconds,
        avg_first_response_seconds=bucket.avg_first_response_seconds,
        per_staff=dict(bucket.per_staff),
        csat_count=bucket.csat_count, csat_average=bucket.csat_average,
        csat_per_staff={sid: StaffCsat(count=c, average=a) for sid in bucket.staff_ratings
                        for c, a in [bucket.staff_csat(sid)]},
    )


async def _table(ctx: Ctx, store_id: str, start: date, end: date,
                 by: str) -> stats_service.StatsTable:
    async with ctx.db.read() as session:
        return await stats_service.compute(session, store_id=store_id, start=start, end=end,
                                           by=by)


@router.get("/stats", response_model=StatsOut)
async def get_stats(start: From, end: To, auth: CurrentAdmin, ctx: Ctx,
                    by: By = "day") -> StatsOut:
    """Form shown / executed, chats started, taken and missed, waits, per staff, by period."""
    table = await _table(ctx, auth.store.id, start, end, by)
    return StatsOut(
        from_=table.start.isoformat(), to=table.end.isoformat(), by=table.by,
        rows=[_row(b) for b in table.rows], totals=_row(table.totals),
        staff=[StaffRef(id=sid, name=name) for sid, name in table.staff],
        time_zone=table.time_zone,
    )


@router.get("/stats.csv", response_class=Response)
async def get_stats_csv(start: From, end: To, auth: CurrentAdmin, ctx: Ctx, locale: Locale,
                        by: By = "day") -> Response:
    """The same table as CSV (UTF-8 with BOM, for spreadsheets), with a totals line."""
    table = await _table(ctx, auth.store.id, start, end, by)
    name = f"chats-stats-{table.start:%Y%m%d}-{table.end:%Y%m%d}-{table.by}.csv"
    return Response(
        stats_service.to_csv(table, locale),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )
