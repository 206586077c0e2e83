"""The widget on a store page with a strict Content-Security-Policy (no inline styles)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageChops
from playwright.async_api import ConsoleMessage, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from chats.db.engine import Database
from tests.e2e.conftest import DESKTOP, AppThread, MakePage, Shop, screenshot
from tests.e2e.widget_page import StaffMember, Widget
from tests.factories import create_staff
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>堅牢な茶舗</title>
<link rel="stylesheet" href="/site.css"></head>
<body><h1>堅牢な茶舗</h1><p>抹茶と煎茶の専門店です。</p>
<script src="{server}/widget.js" data-store="{key}" async></script></body></html>"""
SITE_CSS = "body{margin:0;padding:24px;font-family:sans-serif;background:#f6f1e7}"
# What README "The widget" tells a store to add: the CHATS origin for the loader,
# its calls, the panel and the button images. Styles: the page's own only.
STRICT_CSP = ("default-src 'self'; script-src 'self' {server}; connect-src 'self' {server}; "
              "frame-src {server}; img-src 'self' {server}; style-src 'self'; "
              "object-src 'none'; base-uri 'none'")

# Collected in every frame (Playwright runs init scripts in each one, past the page's CSP).
VIOLATIONS_JS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
}, true);
"""
BUTTON_STYLE_JS = """() => {
  const root = document.querySelector('chats-widget').shadowRoot;
  const b = root.querySelector('button'), img = root.querySelector('img');
  const cb = getComputedStyle(b), ci = getComputedStyle(img);
  return {
    button: [cb.position, cb.right, cb.bottom, cb.zIndex, cb.backgroundColor, cb.borderTopWidth,
             cb.paddingTop, cb.cursor, cb.borderTopLeftRadius],
    img: [ci.display, ci.width, ci.height, ci.filter],
    src: img.src, sheets: root.adoptedStyleSheets.length,
    styleElements: root.querySelectorAll('style').length,
  };
}"""


def host_site(server_url: str, key: str) -> Starlette:
    """The same page twice: /strict under the CSP, /plain without one."""
    html = PAGE.format(server=server_url, key=key)

    async def strict(request: Request) -> HTMLResponse:
        return HTMLResponse(html, headers={
            "Content-Security-Policy": STRICT_CSP.format(server=server_url)})

    async def plain(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    async def css(request: Request) -> Response:
        return Response(SITE_CSS, media_type="text/css")

    return Starlette(routes=[Route("/strict", strict), Route("/plain", plain),
                             Route("/site.css", css)])


def csp_console(messages: list[str]) -> Any:
    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            messages.append(text)
    return on_console


async def violations(page: Page) -> list[str]:
    """securitypolicyviolation events seen so far, in the page and in every frame."""
    found: list[str] = []
    for frame in page.frames:
        found += await frame.evaluate("window.__csp || []")
    return found


async def button_png(page: Page, widget: Widget) -> Image.Image:
    return Image.open(io.BytesIO(await widget.button.screenshot())).convert("RGB")


async def test_strict_page_gets_the_designed_button_and_a_working_chat(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    site = AppThread(host_site(shop.server_url, shop.store.widget_key)).start()
    try:
        # The reference: the same page without a policy.
        plain = await make_page()
        await plain.goto(f"{site.url}/plain")
        reference = Widget(plain)
        await reference.expect_status("away")
        designed = await plain.evaluate(BUTTON_STYLE_JS)
        designed_png = await button_png(plain, reference)

        page = await make_page()
        await page.add_init_script(VIOLATIONS_JS)
        console: list[str] = []
        page.on("console", csp_console(console))
        response = await page.goto(f"{site.url}/strict")
        assert response is not None
        assert "style-src 'self'" in response.headers["content-security-policy"]
        widget = Widget(page)
        await widget.expect_status("away")
        await screenshot(page, "widget-strict-csp-button-desktop")

        style = await page.evaluate(BUTTON_STYLE_JS)
        assert style == designed
        assert style["button"][:3] == ["fixed", "16px", "16px"]
        assert style["img"][:3] == ["block", "100px", "120px"]
        assert style["img"][3].startswith("drop-shadow(")
        assert style["src"] == f"{shop.server_url}/static/buttons/away.ja.svg"
        assert (style["sheets"], style["styleElements"]) == (1, 0)
        box = await widget.button.bounding_box()
        assert box is not None
        assert (round(box["width"]), round(box["height"])) == (100, 120)
        assert round(box["x"] + box["width"]) == DESKTOP["width"] - 16
        assert round(box["y"] + box["height"]) == DESKTOP["height"] - 16
        # Drawn the same, pixel for pixel, as on the page without a policy.
        assert ImageChops.difference(await button_png(page, widget), designed_png).getbbox() \
            is None
        assert await violations(page) == [] and console == []

        # The panel opens and a chat works.
        await create_staff(db, store_id=shop.store.store_id, login_id="csp-agent",
                           name="担当 一郎")
        staff = await StaffMember.connect(server, "csp-agent")
        try:
            await widget.recheck_until("waiting")
            await widget.open()
            await widget.start_chat("厳格")
            conversation_id = await staff.waiting_conversation("厳格")
            await staff.socket.claim(conversation_id)
            await expect(widget.testid("staff-name")).to_contain_text("担当 一郎")
            await widget.type_and_enter("CSP の厳しいページからです。")
            assert await staff.guest_texts(conversation_id, 1) == ["CSP の厳しいページからです。"]
            await staff.send(conversation_id, kind="text", text="届いております。")
            await expect(widget.in_panel("li[data-author=staff]")).to_contain_text("届いております")
            frame_box = await page.locator("chats-widget iframe").bounding_box()
            assert frame_box is not None
            assert (round(frame_box["width"]), round(frame_box["height"])) == (380, 600)
            await screenshot(page, "widget-strict-csp-chat-desktop")
        finally:
            await staff.close()
        assert await violations(page) == [] and console == []
    finally:
        site.stop()
