"""The widget's HTTP calls (protocol §7): open CORS, no cookies, identified by the widget key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from chats.api.postal import PostalLookup, lookup_answer
from chats.api.schemas import StrictBody
from chats.domain import csat
from chats.domain.availability import Availability
from chats.errors import ChatsError
from chats.services import guests as guest_service
from chats.services import visits as visit_service

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from chats.context import AppContext

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


class CsatWording(BaseModel):
    question: str
    labels: list[str]  # five, worst first


class WidgetCsat(BaseModel):
    """Issue 19: whether the panel offers a rating after the chat, and its wording."""

    enabled: bool
    ja: CsatWording
    en: CsatWording


class WidgetConfig(BaseModel):
    store: dict[str, str]
    buttons: dict[str, str | None]
    theme: dict[str, str | None]
    logo_url: str | None
    fields: list[FieldOut]
    csat: WidgetCsat | None = None


class VisitIn(StrictBody):
    token: str | None = Field(default=None, max_length=128)
    url: str = Field(max_length=4000)
    title: str = Field(default="", max_length=1000)
    referrer: str | None = Field(default=None, max_length=4000)


class VisitOut(BaseModel):
    token: str
    availability: str
    unread: int
    # Our addition (issue 14): the button shows plain away, with no offer to leave a message.
    blacklisted: bool = False


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
    """One call per page view: identifies the guest, records the page (G4), reports G1 and G7.

    Budgets per client address: page views, and new guests per store (a page view
    without a known token); over them, 429 with `Retry-After` and nothing stored.
    """
    ctx = _ctx(request)
    limits = ctx.limits
    address = limits.address(request)
    await limits.check(limits.visit, address)

    async def admit_new(store_id: str) -> None:
        await limits.check(limits.new_guest, address, store_id)

    store_id, guest = await ctx.visits.visit(key, body.token, url=body.url, title=body.title,
                                             referrer=body.referrer, admit_new=admit_new)
    # Blacklisting is read with the page view, in its transaction; availability is at
    # most a second old (services/state.py::AvailabilityCache).
    availability = Availability.AWAY if guest.blacklisted \
        else await ctx.availability.get(store_id)
    return VisitOut(token=guest.token, availability=availability.value, unread=guest.unread,
                    blacklisted=guest.blacklisted)


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
    for status in Availability:
        url = _upload_url(images.get(status.value))
        buttons[status.value] = f"{base}{url}" if url else None
    theme = store.theme or {}
    rating = csat.settings_from(store.csat)
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
        csat=WidgetCsat(enabled=rating.enabled, **{
            loc: CsatWording(question=w.question, labels=list(w.labels))
            for loc, w in rating.wording.items()}),
    )


@router.get("/{key}/postal-codes", response_model=PostalLookup)
async def postal_lookup(key: str, request: Request,
                        code: str = Query(min_length=1, max_length=20)) -> PostalLookup:
    """The entry form's postal code look-up; budgeted per client address (429 past it)."""
    ctx = _ctx(request)
    limits = ctx.limits
    await limits.check(limits.postal, limits.address(request))
    await ctx.visits.keys.store_id(key)  # an unknown widget key: 404
    return await lookup_answer(code)


class StatusOut(BaseModel):
    availability: str
    unread: int
    blacklisted: bool = False  # as VisitOut


class StatusIn(StrictBody):
    token: str | None = Field(default=None, max_length=128)


STATUS_BODY_LIMIT = 1024


@router.post("/{key}/status", response_model=StatusOut,
             openapi_extra={"requestBody": {"required": False, "content": {
                 "text/plain": {"schema": StatusIn.model_json_schema()},
                 "application/json": {"schema": StatusIn.model_json_schema()}}}})
async def status(key: str, request: Request) -> StatusOut:
    """G1/G7 without recording a page view; the token travels in the body, never the URL.

    The body is JSON whatever its Content-Type: the loader sends it as text/plain, a
    "simple" request, so its re-check every 30 s costs no CORS preflight.
    """
    body = await _small_body(request, STATUS_BODY_LIMIT)
    try:
        given = StatusIn.model_validate_json(body or b"{}")
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc
    return await _status(_ctx(request), key, given.token)


@router.get("/{key}/status", response_model=StatusOut, deprecated=True)
async def status_by_query(key: str, request: Request, token: str | None = None) -> StatusOut:
    """The former re-check, kept for outside clients: its `?token=` is a secret in a URL."""
    return await _status(_ctx(request), key, token)


async def _small_body(request: Request, limit: int) -> bytes:
    """The request body, refused with too_large past `limit` bytes (nothing more is read)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ChatsError("too_large", limit=f"{limit} B")
    return body


async def _status(ctx: AppContext, key: str, token: str | None) -> StatusOut:
    """What the button should show now for the guest holding `token` (read only)."""
    store_id = await ctx.visits.keys.store_id(key)
    async with ctx.db.read() as session:
        guest = await visit_service.guest_status(session, store_id, token)
    availability = Availability.AWAY if guest and guest.blacklisted \
        else await ctx.availability.get(store_id)
    return StatusOut(availability=availability.value, unread=guest.unread if guest else 0,
                     blacklisted=bool(guest and guest.blacklisted))
