"""Browser fixtures shared by every e2e test: real Chromium (Playwright), screenshots, the shop.

Usage in a test module (all fixtures are async; mark the tests `@pytest.mark.e2e`)::

    from tests.e2e.conftest import DESKTOP, PHONE, screenshot

    @pytest.mark.e2e
    async def test_something(make_page, server, shop):
        page = await make_page(viewport=PHONE)
        await page.goto(shop.url)
        await screenshot(page, "widget-away-phone")

- `browser`: Debian's Chromium, one per worker process (`Chromium`): its headless shell
  (/usr/bin/chromium-headless-shell) where installed, else /usr/bin/chromium; tests marked
  `full_chromium` (they need what only the full browser does, such as asking for the
  notification permission) and every test under CHATS_TEST_BROWSER=full get
  /usr/bin/chromium. The test is skipped when the browser is missing, unless the
  environment variable CI is set (then it fails).
- `make_page(viewport=DESKTOP, locale="ja-JP")`: a page in a fresh browser context
  (its own cookies and storage); contexts are closed after the test.
- `store`: a store with one admin (tests.factories.StoreInfo) on the test's server.
- `shop`: the demo shop site (`chats.demo.shop_app`) for `store`, served on another free
  port, so the widget is embedded from a different origin than the server's.
- `screenshot(page, name)`: saves `$CHATS_ARTIFACTS/screenshots/NAME.png` (default
  `artifacts/`) and returns the path.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    async_playwright,
)

from chats.db.engine import Database
from chats.demo import shop_app
from tests import factories
from tests.servers import ThreadServer, free_port, wait_for

CHROMIUM = Path("/usr/bin/chromium")
# The same Chromium build without the desktop browser around its engine: what Playwright
# runs for headless tests by default, at about half the CPU of the full browser
# (docs/decisions/0015). CHATS_TEST_BROWSER=full runs every test in the full browser.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
STATIC = Path(__file__).resolve().parents[2] / "src" / "chats" / "static"

MakePage = Callable[..., Awaitable[Page]]


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing browser or build is a failure, not a silent pass."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def artifacts_dir() -> Path:
    """Where screenshots and other browser artefacts go ($CHATS_ARTIFACTS, default artifacts)."""
    return Path(os.environ.get("CHATS_ARTIFACTS") or "artifacts")


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save a PNG of the page as screenshots/NAME.png under the artefacts folder."""
    folder = artifacts_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def wait_in_page(page: Page, expression: str, timeout_ms: float = 10_000) -> None:
    """Wait until a JavaScript expression is true in the page.

    Playwright's `wait_for_function` polls by evaluating the text inside the page, which the
    console's Content Security Policy (no 'unsafe-eval') refuses whenever the first try is
    false; `page.evaluate` goes through the DevTools protocol, which the policy does not
    govern.
    """
    await wait_for(lambda: page.evaluate(expression), timeout=timeout_ms / 1000)


def chromium_binary(*, full: bool = False) -> Path:
    """The Chromium a test runs in: the headless shell unless the test or the run asks for
    the full browser, or the shell is not installed."""
    if full or os.environ.get("CHATS_TEST_BROWSER") == "full" or not HEADLESS_SHELL.exists():
        return CHROMIUM
    return HEADLESS_SHELL


class Chromium:
    """One Playwright driver and one Chromium of each kind used, for all the browser tests of
    a worker process.

    Starting both costs about 0.7 s of CPU (the driver is a Node.js process); each test still
    gets fresh browser contexts (own cookies, storage, cache), closed after it. A browser that
    died in an earlier test is launched again.
    """

    def __init__(self) -> None:
        self._pw: Playwright | None = None
        self._browsers: dict[Path, Browser] = {}

    async def get(self, binary: Path) -> Browser:
        if self._pw is None:
            self._pw = await async_playwright().start()
        browser = self._browsers.get(binary)
        if browser is None or not browser.is_connected():
            browser = await self._pw.chromium.launch(
                executable_path=str(binary), args=CHROMIUM_ARGS)
            self._browsers[binary] = browser
        return browser

    async def close(self) -> None:
        for browser in self._browsers.values():
            if browser.is_connected():
                await browser.close()
        if self._pw is not None:
            await self._pw.stop()


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Chromium]:
    """The worker's Chromium, launched by the first test that needs it (the suite's event
    loop is one per worker: pyproject.toml)."""
    shared = Chromium()
    yield shared
    await shared.close()


@pytest.fixture
async def browser(chromium: Chromium, request: pytest.FixtureRequest) -> Browser:
    """Debian's Chromium, headless, shared by this worker's tests (`chromium_binary`)."""
    binary = chromium_binary(full=request.node.get_closest_marker("full_chromium") is not None)
    if not binary.exists():
        _unavailable(f"{binary} is missing (apt-get install chromium chromium-headless-shell)")
    if not (STATIC / "widget.js").exists():
        _unavailable("front end not built (cd frontend && npm run build)")
    return await chromium.get(binary)


@pytest.fixture
async def make_page(browser: Browser) -> AsyncIterator[MakePage]:
    """Factory of pages, each in a fresh context (own storage); all closed after the test."""
    contexts: list[BrowserContext] = []

    async def make(viewport: ViewportSize = DESKTOP, locale: str = "ja-JP", **kw: Any) -> Page:
        context = await browser.new_context(viewport=viewport, locale=locale, **kw)
        contexts.append(context)
        return await context.new_page()

    yield make
    for context in contexts:
        await context.close()


@pytest.fixture
async def store(db: Database, server: ThreadServer) -> factories.StoreInfo:
    """A store with one admin, in the database of the running test server."""
    return await factories.create_store(db, name="茶房みどり")


@dataclass
class AppThread:
    """Any ASGI app served by uvicorn on its own thread, on a free port."""

    app: Any
    port: int = field(default_factory=free_port)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AppThread:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_config=None, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("app thread did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


@dataclass
class Shop:
    """The running demo shop: its URL and the store whose widget it embeds."""

    url: str
    store: factories.StoreInfo
    server_url: str


@pytest.fixture
def shop(server: ThreadServer, store: factories.StoreInfo) -> Iterator[Shop]:
    """The demo shop site for `store`, on its own origin (another port than the server)."""
    app = AppThread(shop_app(server.url, store.widget_key)).start()
    yield Shop(url=app.url, store=store, server_url=server.url)
    app.stop()
