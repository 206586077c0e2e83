"""The guest token never travels in a URL: page → loader → panel by postMessage, re-checks by POST.

And what the server writes to its log holds no token, nor an e-mail link's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Frame, Page, WebSocket, expect

from chats.config import Settings
from chats.db.engine import Database
from chats.demo import shop_app
from chats.mail.links import sign_mail_link
from tests.e2e.conftest import AppThread, MakePage, Shop, screenshot
from tests.e2e.widget_page import Widget
from tests.factories import create_store
from tests.servers import ProcessServer, env_for, http_client

pytestmark = pytest.mark.e2e

# Storage refused the way a browser that blocks site data does, in the page and the panel.
BLOCKED_STORAGE_JS = """
for (const name of ['localStorage', 'sessionStorage']) {
  Object.defineProperty(window, name, {
    get() { throw new DOMException('storage is blocked', 'SecurityError'); },
  });
}
"""


class GuestFrames:
    """The JSON frames of the guest socket(s) a page opens, whichever frame opens them."""

    def __init__(self, page: Page) -> None:
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        page.on("websocket", self._on_socket)

    def _on_socket(self, ws: WebSocket) -> None:
        if "/ws/guest" in ws.url:
            ws.on("framesent", lambda payload: self._add(self.sent, payload))
            ws.on("framereceived", lambda payload: self._add(self.received, payload))

    def _add(self, into: list[dict[str, Any]], payload: str | bytes) -> None:
        into.append(json.loads(payload))
        self._changed.set()

    async def wait(self, into: list[dict[str, Any]], kind: str, count: int = 1,
                   timeout: float = 15) -> list[dict[str, Any]]:
        """The frames of type `kind`, once there are at least `count` of them."""
        async with asyncio.timeout(timeout):
            while True:
                found = [f for f in into if f.get("type") == kind]
                if len(found) >= count:
                    return found
                self._changed.clear()
                await self._changed.wait()


async def open_shop(page: Page, url: str) -> str:
    """Load a shop page; the guest token its page view got."""
    async with page.expect_response(lambda r: r.url.endswith("/visit")
                                    and r.request.method == "POST") as visit:
        await page.goto(url)
    token: str = (await (await visit.value).json())["token"]
    return token


async def recheck(page: Page) -> tuple[str, str | None]:
    """Bring the tab back to the front: the loader's status re-check (method, body)."""
    async with page.expect_request(lambda r: "/status" in r.url) as status:
        await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    request = await status.value
    return request.method, request.post_data


def panel_frame(page: Page) -> Frame:
    return next(f for f in page.frames if "/widget/panel" in f.url)


def no_token_in(urls: list[str], *secrets: str) -> Callable[[], list[str]]:
    return lambda: [u for u in urls if any(s in u for s in secrets)]


async def test_token_reaches_the_panel_by_postmessage_and_survives_a_reload(
    make_page: MakePage, shop: Shop
) -> None:
    page = await make_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    frames = GuestFrames(page)
    token = await open_shop(page, shop.url)
    widget = Widget(page)
    await widget.expect_status("away")

    method, body = await recheck(page)
    assert method == "POST" and json.loads(body or "{}") == {"token": token}

    await widget.open()
    src = await page.locator("chats-widget iframe").get_attribute("src") or ""
    assert f"store={shop.store.widget_key}" in src and "token" not in src
    hello = (await frames.wait(frames.sent, "hello"))[0]
    assert hello["token"] == token
    welcome = (await frames.wait(frames.received, "welcome"))[0]
    await expect(widget.testid("leave-form")).to_be_visible()

    # The guest reloads the panel: it asks again and is the same guest.
    await panel_frame(page).evaluate("location.reload()")
    hellos = await frames.wait(frames.sent, "hello", 2)
    assert hellos[1]["token"] == token
    welcomes = await frames.wait(frames.received, "welcome", 2)
    assert welcomes[1]["guest_id"] == welcome["guest_id"]
    await expect(widget.testid("leave-form")).to_be_visible()
    assert no_token_in(urls, token)() == []


async def test_blocked_storage_keeps_one_guest_for_the_page(
    make_page: MakePage, shop: Shop
) -> None:
    page = await make_page()
    await page.add_init_script(BLOCKED_STORAGE_JS)
    frames = GuestFrames(page)
    token = await open_shop(page, shop.url)
    widget = Widget(page)
    await widget.expect_status("away")
    # Nothing saved, yet the re-check and the panel speak for the page view's guest.
    _method, body = await recheck(page)
    assert json.loads(body or "{}") == {"token": token}
    await widget.open()
    assert (await frames.wait(frames.sent, "hello"))[0]["token"] == token
    await widget.panel.get_by_label("お名前").fill("保存なし")
    await widget.panel.get_by_label("お問い合わせ内容").fill("保存できないブラウザからです。")
    await widget.testid("leave-submit").click()
    await expect(widget.testid("left")).to_be_visible()
    await screenshot(page, "widget-blocked-storage-left-desktop")


async def test_server_log_holds_no_guest_token(
    make_page: MakePage, settings: Settings, db: Database, tmp_path: Path
) -> None:
    """A real `chats serve` logging every request; a guest's whole way through; no secret in it."""
    log_path = tmp_path / "server.log"
    env = {**env_for(settings), "CHATS_LOG_LEVEL": "INFO"}
    server = ProcessServer(env=env, log_path=log_path).start()
    store = await create_store(db, name="記録の茶舗")
    site = AppThread(shop_app(server.url, store.widget_key)).start()
    try:
        page = await make_page()
        frames = GuestFrames(page)
        token = await open_shop(page, site.url)
        widget = Widget(page)
        await widget.expect_status("away")
        assert (await recheck(page))[0] == "POST"
        # An outside client still using the former re-check, token in the query.
        async with http_client(base_url=server.url) as http:
            old = await http.get(f"/api/widget/{store.widget_key}/status",
                                 params={"token": token})
            assert old.status_code == 200

        await widget.open()
        await widget.panel.get_by_label("お名前").fill("記録")
        await widget.panel.get_by_label("お問い合わせ内容").fill("ログに残らないはずの合言葉")
        await widget.testid("leave-submit").click()
        await expect(widget.testid("left")).to_be_visible()
        welcome = (await frames.wait(frames.received, "welcome"))[0]
        ack = (await frames.wait(frames.received, "ack"))[0]

        # The guest follows the link of an e-mail notice (M2).
        link = sign_mail_link(settings.secret_key, welcome["guest_id"], ack["conversation_id"],
                              ttl_seconds=3600)
        mail_page = await make_page()
        await mail_page.goto(f"{server.url}/widget/panel?store={store.widget_key}&mail={link}")
        await expect(mail_page.get_by_text("ログに残らないはずの合言葉")).to_be_visible()
        assert "mail=" not in mail_page.url
    finally:
        site.stop()
        server.stop()

    log = log_path.read_text("utf-8")
    for secret in (token, link, *link.split(".")):
        assert secret not in log
    # The access log was on and saw each step (else this test could not fail); it names
    # route templates, so neither a path's key nor a query string reaches it.
    for line in ("POST /api/widget/{key}/visit 200", "POST /api/widget/{key}/status 200",
                 "GET /api/widget/{key}/status 200", "GET /widget/panel 200"):
        assert line in log, line
    # The re-check is a "simple" request: no preflight doubles it (the one preflight is
    # the widget's config request's, which the browser then keeps).
    assert log.count('"route": "(preflight)"') == 1
