"""The app factory: `create_app(settings)` builds the ASGI app; nothing is built at import."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import WebSocketRoute

from chats import __version__
from chats.api import routers
from chats.api.deps import get_locale
from chats.api.widget import WidgetCors, mount_visit
from chats.config import Settings
from chats.db.engine import Database
from chats.db.migrate import upgrade
from chats.errors import ChatsError
from chats.i18n import translate
from chats.ids import new_id
from chats.logs import configure_logging
from chats.mail.sender import EXTRA_KEY as MAIL_SENDER
from chats.mail.sender import MailSender
from chats.metrics import Metrics
from chats.realtime.asgi import DirectSockets
from chats.realtime.broker import make_broker, make_presence
from chats.realtime.guest_socket import guest_socket
from chats.realtime.hub import Hub
from chats.realtime.staff_socket import staff_socket
from chats.services.context import AppContext

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PAGES = {"/console/": "console/index.html", "/admin/": "admin/index.html",
         "/widget/panel": "guest/index.html"}


async def build_context(settings: Settings) -> AppContext:
    """Migrate the database and open its engines, the broker and presence."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(upgrade, settings.effective_database_url)
    db = Database(settings.effective_database_url)
    hub = Hub()
    broker = make_broker(settings.redis_url, prefix=settings.redis_prefix,
                         on_reconnect=hub.on_reconnect)
    presence = make_presence(settings.redis_url, prefix=settings.redis_prefix,
                             ttl=settings.presence_ttl_seconds)
    return AppContext(
        settings=settings, db=db, broker=broker, presence=presence, process_id=new_id()[:12],
        hub=hub,
    )


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ChatsError)
    async def _chats_error(request: Request, exc: ChatsError) -> JSONResponse:
        body = {"error": {"code": exc.code, "message": exc.message(get_locale(request))}}
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in exc.errors())
        message = translate("error.validation", get_locale(request), detail=fields)
        return JSONResponse(
            {"error": {"code": "bad_frame", "message": message, "fields": fields.split(", ")}},
            status_code=422,
        )


def _pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def _root() -> RedirectResponse:
        return RedirectResponse("/console/")

    for route, file in PAGES.items():
        app.add_api_route(route, _page_handler(file), include_in_schema=False, methods=["GET"])

    @app.get("/widget.js", include_in_schema=False)
    async def _loader() -> FileResponse:
        return FileResponse(
            STATIC / "widget.js",
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")


def _page_handler(file: str):  # type: ignore[no-untyped-def]
    async def page() -> FileResponse:
        return FileResponse(
            STATIC / file,
            media_type="text/html",
            headers={"Cache-Control": "no-cache", "X-Frame-Options": "SAMEORIGIN"}
            if not file.startswith("guest/")
            else {"Cache-Control": "no-cache"},
        )

    return page


def _ops(app: FastAPI, metrics: Metrics) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def _health(request: Request) -> JSONResponse:
        ctx: AppContext = request.app.state.ctx
        db_ok = await ctx.db.ping()
        broker_ok = await ctx.broker.ping()
        ok = db_ok and broker_ok
        body = {"status": "ok" if ok else "fail", "database": db_ok, "broker": broker_ok}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> PlainTextResponse:
        return PlainTextResponse(
            generate_latest(metrics.registry).decode(), media_type=CONTENT_TYPE_LATEST
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new CHATS app for `settings` (read from the environment when None)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = await build_context(settings)
        ctx.extras["metrics"] = metrics
        app.state.ctx = ctx
        await ctx.broker.start(ctx.availability.tap(ctx.hub.on_event))
        sender = MailSender(ctx)
        ctx.extras[MAIL_SENDER] = sender
        await sender.start()
        ctx.notifier.start_presence_watch()
        log.info("started", extra={"version": __version__, "process_id": ctx.process_id})
        try:
            yield
        finally:
            await sender.stop()
            await ctx.visits.close()
            await ctx.notifier.close()
            await ctx.broker.close()
            await ctx.presence.close()
            await ctx.db.dispose()

    app = FastAPI(
        title="CHATS",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    _error_handlers(app)
    app.add_middleware(WidgetCors)
    mount_visit(app)
    for router in routers():
        app.include_router(router)
    # Plain Starlette routes: the socket handlers do their own parsing and auth.
    app.router.routes.append(WebSocketRoute("/ws/guest", guest_socket))
    app.router.routes.append(WebSocketRoute("/ws/staff", staff_socket))
    # Outermost of our middleware: a socket skips the others, which would otherwise stay
    # on its stack, a few hundred bytes each, for as long as it is open.
    app.add_middleware(DirectSockets, routes=app.router.routes)
    _ops(app, metrics)
    _pages(app)
    return app
