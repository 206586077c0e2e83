"""The strict Content-Security-Policy breaks nothing, and framing follows the store's list
(issue 12, item 5): console, admin menu, guest panel and API docs in real Chromium."""

from __future__ import annotations

import pytest
from playwright.async_api import ConsoleMessage, Page, expect

from tests.api.helpers import login
from tests.e2e.conftest import MakePage, Shop, screenshot
from tests.e2e.widget_page import Widget
from tests.factories import PASSWORD
from tests.servers import ThreadServer, http_client

pytestmark = pytest.mark.e2e
WAIT = 10_000  # ms

# Runs in every frame before the page's own scripts: records each CSP violation.
CATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Violations:
    """CSP violations of a page and its frames: the event, and Chromium's console lines."""

    def __init__(self) -> None:
        self.console: list[str] = []
        self.pages: list[Page] = []

    async def watch(self, page: Page) -> Page:
        await page.context.add_init_script(CATCH)
        page.on("console", self._console)
        self.pages.append(page)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.console.append(message.text)

    async def all(self) -> list[str]:
        found = list(self.console)
        for page in self.pages:
            for frame in page.frames:
                found += await frame.evaluate("window.__csp || []")
        return found


async def staff_login(page: Page, url: str, login_id: str) -> None:
    await page.get_by_test_id("login-id").fill(login_id)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()


async def set_sites(server: ThreadServer, login_id: str, origins: list[str]) -> None:
    async with http_client(base_url=server.url, timeout=10) as c:
        await login(c, login_id)
        r = await c.put("/api/admin/embed", json={"origins": origins})
        assert r.status_code == 200, r.text


async def test_no_violation_while_using_console_panel_admin_and_docs(
        make_page: MakePage, shop: Shop, server: ThreadServer) -> None:
    await set_sites(server, shop.store.admin_login, [shop.url])
    seen = Violations()

    console = await seen.watch(await make_page())
    await console.goto(f"{server.url}/console/")
    await staff_login(console, server.url, shop.store.admin_login)
    await expect(console.get_by_test_id("connection")).to_have_attribute(
        "data-state", "open", timeout=WAIT)

    guest = await seen.watch(await make_page())
    await guest.goto(shop.url)
    widget = Widget(guest)
    await widget.recheck_until("waiting")
    await widget.open()
    await widget.start_chat("山田")
    await console.get_by_test_id("waiting-guest").filter(has_text="山田").click()
    await expect(widget.testid("staff-name")).to_be_visible(timeout=WAIT)
    await widget.type_and_enter("抹茶セットの在庫はありますか？")
    await expect(console.get_by_text("抹茶セットの在庫はありますか？")).to_be_visible(timeout=WAIT)
    box = console.get_by_test_id("message-input")
    await box.fill("はい、ございます。")
    await box.press("Enter")
    await console.get_by_test_id("stamp-button").click()
    await console.locator("[data-stamp='thanks']").click()
    await expect(widget.testid("stamp")).to_be_visible(timeout=WAIT)

    admin = await seen.watch(await make_page())
    await admin.goto(f"{server.url}/admin/")
    await staff_login(admin, server.url, shop.store.admin_login)
    for tab in ("staff", "buttons", "screen", "fields", "stats", "canned", "embed"):
        await admin.get_by_test_id(f"tab-{tab}").click()
        await expect(admin.get_by_test_id(f"tab-{tab}")).to_have_attribute("aria-selected", "true")
    await expect(admin.get_by_test_id("embed-list")).to_contain_text(shop.url)

    docs = await seen.watch(await make_page())
    await docs.goto(f"{server.url}/console/")
    await staff_login(docs, server.url, shop.store.admin_login)
    await expect(docs.get_by_test_id("connection")).to_have_attribute("data-state", "open",
                                                                      timeout=WAIT)
    await docs.goto(f"{server.url}/api/docs")
    await expect(docs.locator(".swagger-ui .info .title")).to_contain_text("CHATS",
                                                                          timeout=WAIT)
    await expect(docs.locator(".opblock").first).to_be_visible()
    await screenshot(docs, "api-docs")

    assert await seen.all() == []


async def test_the_panel_opens_only_on_listed_sites(make_page: MakePage, shop: Shop,
                                                    server: ThreadServer) -> None:
    await set_sites(server, shop.store.admin_login, ["https://another-site.example"])
    seen = Violations()
    page = await seen.watch(await make_page())
    await page.goto(shop.url)
    widget = Widget(page)
    await expect(widget.button).to_be_visible()
    # Chromium refuses to draw the panel inside a page of an unlisted site.
    async with page.expect_console_message(lambda m: "frame-ancestors" in m.text,
                                           timeout=WAIT):
        await widget.button.click()
    await expect(widget.testid("guest-panel")).to_have_count(0)

    await set_sites(server, shop.store.admin_login, ["https://another-site.example", shop.url])
    page = await make_page()
    await page.goto(shop.url)
    widget = Widget(page)
    await widget.open()
    await expect(widget.testid("guest-panel")).to_be_visible()
