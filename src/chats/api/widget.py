"""The widget's HTTP calls (protocol §7): open CORS, no cookies, identified by the widget key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from chats.api.deps import Ctx
from chats.api.schemas import StrictBody
from chats.services import guests as guest_service
from chats.services import state

router = APIRouter(prefix="/api/widget", tags=["widget"])
WIDGET_PREFIX = "/api/widget/"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept-Language",
    "Access-Control-Max-Age": "86400",
}
THEME_KEYS = ("header_bg", "header_fg", "guest_bubble_bg", "guest_bubble_fg",
              "staff_bubble_bg", "staff_bubble_fg")


async def widget_cors(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Answer preflights and open CORS on widget calls only (they never carry cookies)."""
    if not request.url.path.startswith(WIDGET_PREFIX):
        return await call_next(request)
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS_HEADERS)
    response = await call_next(request)
    response.headers.update(CORS_HEADERS)
    return response


class FieldOut(BaseModel):
    key: str
    label: str
    type: str
    options: list[str]
    required: bool


class WidgetConfig(BaseModel):
    store: dict[str, str]
    buttons: dict[str, str | None]
    theme: dict[str, str | None]
    logo_url: str | None
    fields: list[FieldOut]


class VisitIn(StrictBody):
    token: str | None = Field(default=None, max_length=128)
    url: str = Field(max_length=4000)
    title: str = Field(default="", max_length=1000)
    referrer: str | None = Field(default=None, max_length=4000)


class VisitOut(BaseModel):
    token: str
    availability: str
    unread: int


def _upload_url(upload_id: Any) -> str | None:
    return f"/files/{upload_id}?inline=1" if isinstance(upload_id, str) and upload_id else None


@router.get("/{key}/config", response_model=WidgetConfig)
async def config(key: str, ctx: Ctx) -> WidgetConfig:
    """Everything the widget draws with: button images, colours, logo, pre-chat fields."""
    async with ctx.db.read() as session:
        store = await guest_service.store_by_key(session, key)
        fields = await guest_service.store_fields(session, store.id)
    base = ctx.settings.public_url.rstrip("/")
    images = store.button_images or {}
    buttons = {}
    for status in ("away", "waiting", "busy"):
        url = _upload_url(images.get(status))
        buttons[status] = f"{base}{url}" if url else None
    theme = store.theme or {}
    logo = _upload_url(theme.get("logo_upload_id"))
    return WidgetConfig(
        store={"id": store.id, "name": store.name, "locale": store.locale},
        buttons=buttons,
        theme={k: theme.get(k) for k in THEME_KEYS},
        logo_url=f"{base}{logo}" if logo else None,
        fields=[
            FieldOut(key=f.key, label=f.label, type=f.type, options=f.options or [],
                     required=f.required)
            for f in fields
            if f.ask_before_chat
        ],
    )


class StatusOut(BaseModel):
    availability: str
    unread: int


@router.get("/{key}/status", response_model=StatusOut)
async def status(key: str, ctx: Ctx, token: str | None = None) -> StatusOut:
    """G1/G7 without recording a page view: what the button should show now (read only)."""
    async with ctx.db.read() as session:
        store = await guest_service.store_by_key(session, key)
        guest = await guest_service.guest_by_token(session, store.id, token)
        availability = await state.guest_availability_now(
            session, ctx.presence, store.id, blacklisted=bool(guest and guest.blacklisted)
        )
        unread = await guest_service.unread_for_guest(session, guest.id) if guest else 0
    return StatusOut(availability=availability.value, unread=unread)


@router.post("/{key}/visit", response_model=VisitOut)
async def visit(key: str, body: VisitIn, ctx: Ctx) -> VisitOut:
    """One call per page view: identifies the guest, records the page (G4), reports G1 and G7."""
    job = guest_service.visit_job(key, body.token, url=body.url, title=body.title,
                                  referrer=body.referrer)
    visit = await ctx.db.writer.run(job)
    async with ctx.db.read() as session:
        availability = await state.guest_availability_now(
            session, ctx.presence, visit.store_id, blacklisted=visit.blacklisted
        )
        unread = await guest_service.unread_for_guest(session, visit.guest_id)
    return VisitOut(token=visit.token, availability=availability.value, unread=unread)
