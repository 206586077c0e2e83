"""The admin menu's business hours (営業時間) and time zone (issue 16); admins only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from chats.api.admin import announce
from chats.api.deps import Ctx, CurrentAdmin, Locale
from chats.api.schemas import StrictBody
from chats.services import business_hours as hours_service

router = APIRouter(prefix="/api/admin", tags=["admin"])

Clock = Annotated[str, Field(max_length=5)]
Range = Annotated[list[Clock], Field(min_length=2, max_length=2)]
DayRanges = Annotated[list[Range], Field(max_length=6)]
Label = Annotated[str, Field(max_length=hours_service.LABEL_MAX)]


class ClosureIn(StrictBody):
    start: date
    end: date
    label: Label = ""


class SpecialDayIn(StrictBody):
    date: date
    ranges: DayRanges = Field(default_factory=list)
    label: Label = ""


class HoursIn(StrictBody):
    """A whole schedule as the admin screen sends it ("HH:MM"; 24:00 ends a day)."""

    enabled: bool
    time_zone: str = Field(max_length=64)
    holidays_closed: bool = True
    weekly: Annotated[list[DayRanges], Field(min_length=7, max_length=7)]
    closures: Annotated[list[ClosureIn], Field(max_length=100)] = Field(default_factory=list)
    special_days: Annotated[list[SpecialDayIn], Field(max_length=100)] = Field(default_factory=list)


class ClosureOut(BaseModel):
    start: str
    end: str
    label: str


class SpecialDayOut(BaseModel):
    date: str
    ranges: list[list[str]]
    label: str


class PreviewDay(BaseModel):
    date: str
    ranges: list[list[str]]
    reason: str  # weekly | holiday | closure | special
    label: str | None


class HoursOut(BaseModel):
    enabled: bool
    time_zone: str
    holidays_closed: bool
    weekly: list[list[list[str]]]
    closures: list[ClosureOut]
    special_days: list[SpecialDayOut]
    open_now: bool  # within the hours now (always true when not enabled)
    opens_at: str | None  # when closed: the next opening, in the store's zone
    preview: list[PreviewDay]  # the next 14 days


def _plain(body: HoursIn) -> dict[str, Any]:
    return {
        "enabled": body.enabled, "holidays_closed": body.holidays_closed,
        "weekly": body.weekly,
        "closures": [{"start": c.start.isoformat(), "end": c.end.isoformat(), "label": c.label}
                     for c in body.closures],
        "special_days": [{"date": s.date.isoformat(), "ranges": s.ranges, "label": s.label}
                         for s in body.special_days],
    }


def _out(ctx: Ctx, data: dict[str, Any], zone: str, locale: str) -> HoursOut:
    now = ctx.notifier.clock.now()
    state = hours_service.state_at(data, zone, now)
    return HoursOut(
        enabled=bool(data["enabled"]), time_zone=zone,
        holidays_closed=bool(data["holidays_closed"]), weekly=data["weekly"],
        closures=[ClosureOut(**c) for c in data["closures"]],
        special_days=[SpecialDayOut(**s) for s in data["special_days"]],
        open_now=state.open, opens_at=state.opens_at_local,
        preview=[PreviewDay(**day) for day in hours_service.preview(data, zone, now, locale)],
    )


@router.get("/hours", response_model=HoursOut)
async def get_hours(auth: CurrentAdmin, ctx: Ctx, locale: Locale) -> HoursOut:
    """The store's business hours and time zone, with the next 14 days."""
    async with ctx.db.read() as session:
        data, zone = await hours_service.read(session, auth.store.id)
    return _out(ctx, data, zone, locale)


@router.post("/hours/preview", response_model=HoursOut)
async def preview_hours(body: HoursIn, auth: CurrentAdmin, ctx: Ctx, locale: Locale) -> HoursOut:
    """The next 14 days of a schedule being edited; nothing is saved."""
    hours_service.check_zone(body.time_zone)
    return _out(ctx, hours_service.check(_plain(body)), body.time_zone, locale)


@router.put("/hours", response_model=HoursOut)
async def put_hours(body: HoursIn, auth: CurrentAdmin, ctx: Ctx, locale: Locale) -> HoursOut:
    """Save the schedule and the time zone; the store's guests and staff see it at once."""
    async with ctx.unit_of_work() as uow:
        data, zone = await hours_service.save(uow.session, auth.store.id, data=_plain(body),
                                              time_zone=body.time_zone)
        announce(uow, auth.store.id, "hours")
    ctx.notifier.notify(auth.store.id)
    return _out(ctx, data, zone, locale)
