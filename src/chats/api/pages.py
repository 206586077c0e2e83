"""The HTML pages (console, admin menu, guest panel), the loader and the built assets.

Each page is the front end's built HTML, sent with its Content-Security-Policy: the
console and admin menu may be framed by CHATS only, the guest panel by the sites its
store lists (any site while the list is empty).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from chats.api.headers import ancestors, page_policy
from chats.services.embed import embed_origins_by_key

if TYPE_CHECKING:
    from fastapi import FastAPI

    from chats.config import Settings
    from chats.context import AppContext

STATIC: Final = Path(__file__).resolve().parents[1] / "static"
STAFF_PAGES: Final = {"/console/": "console/index.html", "/admin/": "admin/index.html"}
PANEL_PAGE: Final = "guest/index.html"
NO_CACHE: Final = {"Cache-Control": "no-cache"}


def mount_pages(app: FastAPI, settings: Settings) -> None:
    """Add `/`, the pages, `/widget.js` and `/static` to the app."""
    origin = settings.public_origin()
    staff_headers = {**NO_CACHE, "X-Frame-Options": "SAMEORIGIN",
                     "Content-Security-Policy": page_policy(origin, "'self'")}

    @app.get("/", include_in_schema=False)
    async def _root() -> RedirectResponse:
        return RedirectResponse("/console/")

    for route, file in STAFF_PAGES.items():
        app.add_api_route(route, _staff_page(file, staff_headers), include_in_schema=False,
                          methods=["GET"])

    @app.get("/widget/panel", include_in_schema=False)
    async def _panel(request: Request) -> FileResponse:
        ctx: AppContext = request.app.state.ctx
        framers = await _panel_framers(ctx, request.query_params.get("store"))
        return FileResponse(STATIC / PANEL_PAGE, media_type="text/html", headers={
            **NO_CACHE, "Content-Security-Policy": page_policy(origin, framers)})

    @app.get("/widget.js", include_in_schema=False)
    async def _loader() -> FileResponse:
        return FileResponse(
            STATIC / "widget.js",
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")


def _staff_page(file: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    async def page() -> FileResponse:
        return FileResponse(STATIC / file, media_type="text/html", headers=headers)

    return page


async def _panel_framers(ctx: AppContext, widget_key: str | None) -> str:
    """`frame-ancestors` of the panel: its store's sites; CHATS only for an unknown store."""
    if not widget_key or len(widget_key) > 64:
        return "'self'"
    async with ctx.db.read() as session:
        origins = await embed_origins_by_key(session, widget_key)
    return "'self'" if origins is None else ancestors(origins)
