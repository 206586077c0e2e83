"""`chats demo`: a demo store with staff, and a sample shop site on another origin."""

from __future__ import annotations

import asyncio
from html import escape
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from chats.config import Settings
from chats.db.engine import Database
from chats.db.migrate import upgrade
from chats.db.models import Staff, Store
from chats.services import staff as staff_service

DEMO_STORE = "CHATS デモストア"
DEMO_LOGINS = (
    ("demo-admin", "demo-admin-pass", "管理者 花子", "admin", 3),
    ("demo-agent1", "demo-agent-pass", "担当 一郎", "agent", 3),
    ("demo-agent2", "demo-agent-pass", "担当 二郎", "agent", 2),
)
SHOP_PAGES = {
    "/": ("トップ", "shop.html"),
    "/products/tea": ("抹茶セット", "product.html"),
    "/products/cup": ("有田焼の湯のみ", "product.html"),
}


async def ensure_demo_store(settings: Settings) -> Store:
    """The demo store and its staff, created on first run and reused afterwards."""
    await asyncio.to_thread(upgrade, settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        async with db.write() as session:
            store = await session.scalar(select(Store).where(Store.name == DEMO_STORE))
            if store is None:
                store = await staff_service.create_store(session, name=DEMO_STORE)
            for login_id, password, name, role, max_chats in DEMO_LOGINS:
                if not await session.scalar(select(Staff.id).where(Staff.login_id == login_id)):
                    await staff_service.create_staff(
                        session, store_id=store.id, login_id=login_id, password=password,
                        name=name, role=role, max_chats=max_chats,
                    )
            hook = _seed_hook()
            if hook is not None:
                await hook(session, store)
            await session.commit()
            return store
    finally:
        await db.dispose()


def _seed_hook() -> Any:
    """Optional extra demo content (canned responses, fields) from chats.demo.seed."""
    try:
        from chats.demo.seed import seed_demo_content
    except ImportError:
        return None
    return seed_demo_content


def shop_app(server_url: str, widget_key: str) -> Starlette:
    """The sample shop site: a few pages, each with the one-line widget snippet."""
    here = Path(__file__).parent

    async def page(request: Request) -> HTMLResponse:
        title, template = SHOP_PAGES[request.url.path]
        html = (here / template).read_text("utf-8")
        snippet = (
            f'<script src="{escape(server_url)}/widget.js" '
            f'data-store="{escape(widget_key)}" async></script>'
        )
        return HTMLResponse(html.replace("{{title}}", title).replace("{{widget}}", snippet))

    return Starlette(routes=[Route(path, page) for path in SHOP_PAGES])


async def run_demo(settings: Settings, *, host: str, port: int, shop_port: int) -> int:
    """Serve CHATS and the shop side by side until interrupted."""
    from chats.app import create_app

    server_url = f"http://{host}:{port}"
    shop_url = f"http://{host}:{shop_port}"
    settings = settings.model_copy(update={"public_url": server_url})
    store = await ensure_demo_store(settings)
    chats = uvicorn.Server(uvicorn.Config(
        create_app(settings), host=host, port=port, log_config=None,
        ws_max_size=65 * 1024, ws_per_message_deflate=False,
    ))
    shop = uvicorn.Server(uvicorn.Config(
        shop_app(server_url, store.widget_key), host=host, port=shop_port, log_config=None
    ))
    print(_banner(server_url, shop_url), flush=True)
    await asyncio.gather(chats.serve(), shop.serve())
    return 0


def _banner(server_url: str, shop_url: str) -> str:
    logins = "\n".join(
        f"    {role:<6} {login:<12} / {pw}" for login, pw, _n, role, _m in DEMO_LOGINS
    )
    return (
        "\nCHATS demo is running\n"
        f"  Shop site (guest side, with the widget): {shop_url}/\n"
        f"  Staff console:                           {server_url}/console/\n"
        f"  Admin menu:                              {server_url}/admin/\n"
        f"  Logins (login ID / password):\n{logins}\n"
        "  Stop with Ctrl+C.\n"
    )
