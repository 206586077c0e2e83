"""The app factory: `create_app(settings)` builds the ASGI app; nothing is built at import."""

from __future__ import annotations

import asyncio
import functools
import logging
import math
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, WebSocketRoute

from chats import __version__
from chats.access import AccessLog
from chats.api import routers
from chats.api.deps import get_locale
from chats.api.headers import SecurityHeaders
from chats.api.pages import mount_pages
from chats.api.widget import WidgetCors, mount_visit
from chats.broker import make_broker, make_limiter, make_presence
from chats.config import Settings, with_secret_key
from chats.context import AppContext
from chats.db.engine import Database
from chats.db.migrate import upgrade
from chats.errors import ChatsError
from chats.events.unit_of_work import Publisher
from chats.i18n import translate
from chats.ids import Clock, SystemClock, new_id
from chats.logs import configure_logging
from chats.mail.sender import MailSender
from chats.metrics import Metrics
from chats.realtime.asgi import DirectSockets
from chats.realtime.guest_socket import guest_socket
from chats.realtime.hub import Hub
from chats.realtime.notifier import StateNotifier
from chats.realtime.parts import SocketParts
from chats.realtime.staff_socket import staff_socket
from chats.security import same, set_hash_cost
from chats.services.audit import AuditSweeper
from chats.services.auth import Logins
from chats.services.limits import AddressLimits
from chats.services.retention import RetentionSweeper
from chats.services.state import AvailabilityCache
from chats.services.visits import Visits
from chats.services.webhook_delivery import WebhookDeliverer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.responses import Response

log = logging.getLogger(__name__)
POOL_RETRY_AFTER_SECONDS = 2


async def build_context(settings: Settings, metrics: Metrics | None = None,
                        clock: Clock | None = None) -> AppContext:
    """Migrate the database, open its engines, the broker and presence, and wire the rest."""
    clock = clock or SystemClock()
    settings = with_secret_key(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(upgrade, settings.effective_database_url)
    db = Database(settings.effective_database_url, pool_size=settings.db_pool_size,
                  pool_timeout=settings.db_pool_timeout_seconds)
    hub = Hub()
    broker = make_broker(settings.redis_url, prefix=settings.redis_prefix,
                         on_reconnect=hub.on_reconnect)
    presence = make_presence(settings.redis_url, prefix=settings.redis_prefix,
                             ttl=settings.presence_ttl_seconds)
    publisher = Publisher(db, broker)
    limiter = make_limiter(settings.redis_url, prefix=settings.redis_prefix)
    return AppContext(
        settings=settings, db=db, broker=broker, presence=presence, process_id=new_id()[:12],
        hub=hub, publisher=publisher,
        notifier=StateNotifier(settings=settings, db=db, presence=presence, hub=hub,
                               publisher=publisher, clock=clock),
        availability=AvailabilityCache(db, presence, clock=clock), visits=Visits(db),
        limits=AddressLimits(settings, limiter),
        logins=Logins(db=db, publisher=publisher, secret_key=settings.secret_key),
        metrics=metrics,
    )


def socket_parts(ctx: AppContext, metrics: Metrics) -> SocketParts:
    """What the sockets get of the context."""
    return SocketParts(
        settings=ctx.settings, db=ctx.db, publisher=ctx.publisher, presence=ctx.presence,
        hub=ctx.hub, notifier=ctx.notifier, limits=ctx.limits, metrics=metrics,
        wake_mail=ctx.wake_mail,
    )


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ChatsError)
    async def _chats_error(request: Request, exc: ChatsError) -> JSONResponse:
        body = {"error": {"code": exc.code, "message": exc.message(get_locale(request))}}
        headers = dict(exc.headers)
        if exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return JSONResponse(body, status_code=exc.status, headers=headers or None)

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every database connection stayed busy past the pool's timeout: a moment of
        # overload the client may retry, not a server fault.
        log.warning("database pool exhausted", extra={"path": request.url.path})
        body = {"error": {"code": "overloaded",
                          "message": translate("error.overloaded", get_locale(request))}}
        return JSONResponse(body, status_code=503,
                            headers={"Retry-After": str(POOL_RETRY_AFTER_SECONDS)})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in exc.errors())
        message = translate("error.validation", get_locale(request), detail=fields)
        return JSONResponse(
            {"error": {"code": "bad_frame", "message": message, "fields": fields.split(", ")}},
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _unreadable(request: Request, exc: HTTPException) -> Response:
        # FastAPI answers a body `json.loads` raised on (nesting past the recursion limit,
        # bytes that are not UTF-8) with a bare 400 caused by that error: a client's
        # mistake, answered like any other invalid body.
        if exc.status_code != 400 or exc.__cause__ is None:
            return await http_exception_handler(request, exc)
        message = translate("error.validation", get_locale(request), detail="JSON")
        return JSONResponse(
            {"error": {"code": "bad_frame", "message": message, "fields": ["body"]}},
            status_code=400,
        )


def _ops(app: FastAPI, metrics: Metrics) -> None:
    @app.get("/livez", include_in_schema=False)
    async def _alive() -> JSONResponse:
        # Liveness: the process answers; restart it only when this fails.
        return JSONResponse({"status": "ok"})

    # Readiness (and /healthz, its older name): the database and the broker answer.
    @app.get("/readyz", include_in_schema=False)
    @app.get("/healthz", include_in_schema=False)
    async def _health(request: Request) -> JSONResponse:
        ctx: AppContext = request.app.state.ctx
        db_ok = await ctx.db.ping()
        broker_ok = await ctx.broker.ping()
        ok = db_ok and broker_ok
        body = {"status": "ok" if ok else "fail", "database": db_ok, "broker": broker_ok}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def _metrics(request: Request) -> PlainTextResponse:
        _check_metrics_token(request)
        return PlainTextResponse(
            generate_latest(metrics.registry).decode(), media_type=CONTENT_TYPE_LATEST
        )


def _check_metrics_token(request: Request) -> None:
    """/metrics is off without CHATS_METRICS_TOKEN, and needs it as a bearer token."""
    token = request.app.state.settings.metrics_token
    if not token:
        raise ChatsError("not_found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not same(given.strip(), token):
        raise ChatsError("unauthorized", "error.metrics_token")


@functools.cache
def _http_routes() -> tuple[BaseRoute, ...]:
    """The routers' routes, made once per process and shared by every app it builds.

    They hold nothing of an app (handlers reach it through `request.app.state`), while
    FastAPI prepares an included router's handlers (dependencies, response models) at the
    first request that reaches it: about 0.1 s of CPU for all of them, which each app
    would otherwise pay again. Not shared: `app.dependency_overrides`, which CHATS does
    not use.
    """
    holder = APIRouter()
    for router in routers():
        holder.include_router(router)
    return tuple(holder.routes)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """A new CHATS app for `settings` (read from the environment when None).

    `clock` (tests) is the time business hours are read at and flip by.
    """
    settings = settings or Settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    set_hash_cost(settings.password_hash_memory_kib, settings.password_hash_iterations)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = await build_context(settings, metrics, clock)
        app.state.ctx = ctx
        app.state.sockets = socket_parts(ctx, metrics)
        await ctx.broker.start(ctx.availability.tap(ctx.hub.on_event))
        sender = ctx.mail_sender = MailSender(ctx)
        await sender.start()
        deliverer = ctx.webhooks = WebhookDeliverer(ctx)
        await deliverer.start()
        ctx.notifier.start_presence_watch()
        sweeper = AuditSweeper(ctx.db, settings.audit_retention_days)
        sweeper.start()
        retention = RetentionSweeper(ctx.db, settings)
        retention.start()
        log.info("started", extra={"version": __version__, "process_id": ctx.process_id})
        try:
            yield
        finally:
            await retention.stop()
            await sweeper.stop()
            await deliverer.stop()
            await sender.stop()
            await ctx.visits.close()
            await ctx.notifier.close()
            await ctx.broker.close()
            await ctx.presence.close()
            await ctx.limits.limiter.close()
            await ctx.db.dispose()

    app = FastAPI(
        title="CHATS",
        version=__version__,
        lifespan=lifespan,
        # Served by chats.api.docs to signed-in staff only.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    _error_handlers(app)
    app.add_middleware(WidgetCors)
    app.add_middleware(SecurityHeaders)
    mount_visit(app)
    app.router.routes.extend(_http_routes())
    # Plain Starlette routes: the socket handlers do their own parsing and auth.
    app.router.routes.append(WebSocketRoute("/ws/guest", guest_socket))
    app.router.routes.append(WebSocketRoute("/ws/staff", staff_socket))
    app.add_middleware(AccessLog, metrics=metrics, routes=app.router.routes)
    # Outermost of our middleware: a socket skips the others, which would otherwise stay
    # on its stack, a few hundred bytes each, for as long as it is open.
    app.add_middleware(DirectSockets, routes=app.router.routes)
    _ops(app, metrics)
    mount_pages(app, settings)
    return app
