"""The widget's HTTP calls (protocol §7): open CORS, no cookies, identified by the widget key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel, Field

from chats.api.schemas import StrictBody
from chats.domain.availability import Availability
from chats.services import guests as guest_service
from chats.services import visits as visit_service

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from chats.services.context import AppContext

router = APIRouter(prefix="/api/widget", tags=["widget"])
WIDGET_PREFIX = "/api/widget/"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept-Language",
    "Access-Control-Max-Age": "86400",
}
_RAW_CORS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in CORS_HEADERS.items()]
_RAW_CORS_NAMES = frozenset(k for k, _v in _RAW_CORS)
THEME_KEYS = ("header_bg", "header_fg", "guest_bubble_bg", "guest_bubble_fg",
              "staff_bubble_bg", "staff_bubble_fg")


class WidgetCors:
    """Answer preflights and open CORS on widget calls only (they never carry cookies).

    Plain ASGI rather than an `http` middleware: Starlette's BaseHTTPMiddleware runs
    every request through a task group and memory streams, which cost `/visit` about
    a fifth of its throughput.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(WIDGET_PREFIX):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await Response(status_code=204, headers=CORS_HEADERS)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*(h for h in message.get("headers", ())
                                        if h[0] not in _RAW_CORS_NAMES), *_RAW_CORS]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _ctx(request: Request) -> AppContext:
    # Not a dependency: FastAPI runs a plain-function dependency in a worker thread, and
    # solving even an async one costs the page view path a tenth of its time.
    ctx: AppContext = request.app.state.ctx
    return ctx


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


def mount_visit(app: FastAPI) -> None:
    """Add `POST /api/widget/{key}/visit` to the app itself, ahead of the included routers.

    Every page view of every shop calls it. FastAPI passes a request for a route of an
    included router through several more layers (matching each router in turn, then the
    router's own routes), which cost this call about a sixth of its time.
    """
    app.add_api_route(f"{WIDGET_PREFIX}{{key}}/visit", visit, methods=["POST"],
                      response_model=VisitOut, tags=["widget"])


async def visit(key: str, body: VisitIn, request: Request) -> VisitOut:
    """One call per page view: identifies the guest, records the page (G4), reports G1 and G7."""
    ctx = _ctx(request)
    store_id, guest = await ctx.visits.visit(key, body.token, url=body.url, title=body.title,
                                             referrer=body.referrer)
    # Blacklisting is read with the page view, in its transaction; availability is at
    # most a second old (services/state.py::AvailabilityCache).
    availability = Availability.AWAY if guest.blacklisted \
        else await ctx.availability.get(store_id)
    return VisitOut(token=guest.token, availability=availability.value, unread=guest.unread)


@router.get("/{key}/config", response_model=WidgetConfig)
async def config(key: str, request: Request) -> WidgetConfig:
    """Everything the widget draws with: button images, colours, logo, pre-chat fields."""
    ctx = _ctx(request)
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
async def status(key: str, request: Request, token: str | None = None) -> StatusOut:
    """G1/G7 without recording a page view: what the button should show now (read only)."""
    ctx = _ctx(request)
    store_id = await ctx.visits.keys.store_id(key)
    async with ctx.db.read() as session:
        guest = await visit_service.guest_status(session, store_id, token)
    availability = Availability.AWAY if guest and guest.blacklisted \
        else await ctx.availability.get(store_id)
    return StatusOut(availability=availability.value, unread=guest.unread if guest else 0)
