"""`chats demo`: a demo store with staff, and a sample shop site on another origin."""

from __future__ import annotations

import asyncio
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.routing import Route

from chats.api.headers import SecurityHeaders
from chats.db.engine import Database
from chats.db.migrate import upgrade
from chats.db.models import CannedResponse, Staff, Store
from chats.domain.staff import StaffRole
from chats.ops import OpsError
from chats.services import staff as staff_service
from chats.serving import server_config

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from starlette.requests import Request

    from chats.config import Settings

DEMO_STORE = "CHATS デモストア"
DEMO_LOGINS = (
    ("demo-admin", "midori-tea-admin", "管理者 花子", StaffRole.ADMIN, 3),
    ("demo-agent1", "midori-tea-agent", "担当 一郎", StaffRole.AGENT, 3),
    ("demo-agent2", "midori-tea-agent", "担当 二郎", StaffRole.AGENT, 2),
)
# Polite (敬語) lines with variables the console fills in on insert (issue 16).
DEMO_CANNED = (
    ("hello", "ご挨拶",
     "{ゲスト名}様、お問い合わせいただきありがとうございます。{店舗名}の{担当者名}でございます。"
     "本日はどのようなご用件でしょうか。"),
    ("wait", "お待たせしたお詫び",
     "{ゲスト名}様、大変お待たせいたしまして申し訳ございません。ただいま確認いたしますので、"
     "少々お待ちくださいませ。"),
    ("sorry", "ご迷惑のお詫び",
     "{ゲスト名}様、このたびはご迷惑をおかけいたしまして誠に申し訳ございません。"
     "{担当者名}が責任を持って対応させていただきます。"),
    ("ship", "配送について",
     "ご注文から3営業日以内に発送いたします。送料は全国一律660円でございます。"
     "（{今日}現在）"),
    ("thanks", "結びのご挨拶",
     "{ゲスト名}様、本日は{店舗名}にお問い合わせいただき誠にありがとうございました。"
     "またのご利用を心よりお待ちしております。担当: {担当者名}"),
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
            other = await session.scalar(select(Store.name).where(Store.name != DEMO_STORE))
            if other is not None:
                # Known passwords must never reach a real installation's database.
                raise OpsError(f"this database already holds the store {other!r}: the demo "
                               "adds accounts with published passwords, so it runs only on "
                               "a database of its own (set CHATS_DATA_DIR or "
                               "CHATS_DATABASE_URL to another one)")
            store = await session.scalar(select(Store).where(Store.name == DEMO_STORE))
            if store is None:
                store = await staff_service.create_store(session, name=DEMO_STORE)
            for login_id, password, name, role, max_chats in DEMO_LOGINS:
                if not await session.scalar(select(Staff.id).where(Staff.store_id == store.id,
                                                               Staff.login_id == login_id)):
                    await staff_service.create_staff(
                        session, store_id=store.id, login_id=login_id, password=password,
                        name=name, role=role, max_chats=max_chats,
                    )
            await seed_canned_responses(session, store)
            await session.commit()
            return store
    finally:
        await db.dispose()


async def seed_canned_responses(session: AsyncSession, store: Store) -> None:
    """A few store-wide canned responses, so the console has something to insert."""
    if await session.scalar(select(CannedResponse.id).where(CannedResponse.store_id == store.id)):
        return
    for position, (shortcut, title, text) in enumerate(DEMO_CANNED):
        session.add(CannedResponse(store_id=store.id, shortcut=shortcut, title=title, text=text,
                                   position=position))


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

    return Starlette(routes=[Route(path, page) for path in SHOP_PAGES],
                     middleware=[Middleware(SecurityHeaders)])


async def run_demo(settings: Settings, *, host: str, port: int, shop_port: int) -> int:
    """Serve CHATS and the shop side by side until interrupted."""
    from chats.app import create_app

    server_url = f"http://{host}:{port}"
    shop_url = f"http://{host}:{shop_port}"
    update: dict[str, object] = {"public_url": server_url}
    if "log_json" not in settings.model_fields_set:
        update["log_json"] = False  # a person reads the demo's terminal (CHATS_LOG_JSON wins)
    settings = settings.model_copy(update=update)
    store = await ensure_demo_store(settings)
    chats = uvicorn.Server(server_config(create_app(settings), host=host, port=port))
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
