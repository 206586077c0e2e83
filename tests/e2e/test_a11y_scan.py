"""axe-core finds no critical or serious violation in the main states, ja and en (issue 14.6).

Guest panel: the button (away, waiting), the leave form, the entry form, the queue, a chat,
an ended chat. Console: login, empty, a waiting guest, a chat (with 既読), the stamp palette,
a dialog, the guest list and one guest. Admin menu: every tab. The console and the admin menu
must also have a level-one heading and their content in landmarks.
Screenshots: $CHATS_ARTIFACTS/screenshots/a11y-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Frame, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from chats.db.engine import Database
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import AppThread, MakePage, screenshot
from tests.e2e.test_console import arriving_guest, console_login
from tests.e2e.widget_page import StaffMember, Widget
from tests.factories import PASSWORD, StoreInfo, create_staff
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e
WAIT = 10_000  # ms
LANGS = ["ja", "en"]
BROWSER_LOCALE = {"ja": "ja-JP", "en": "en-US"}
# Staff surfaces: one <h1>, everything inside a landmark.
STAFF_RULES = ("page-has-heading-one", "landmark-one-main", "region")

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Midori</title></head>
<body><main><h1>茶房みどり / Midori Tea House</h1><p>…</p></main>
<script src="{server}/widget.js" data-store="{key}" async></script></body></html>"""


@pytest.fixture(params=LANGS)
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def site(server: ThreadServer, store: StoreInfo, lang: str) -> Iterator[str]:
    """A shop page in `lang` embedding the store's widget, on its own origin."""
    html = PAGE.format(lang=lang, server=server.url, key=store.widget_key)

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    app = AppThread(Starlette(routes=[Route("/", home)])).start()
    yield app.url
    app.stop()


async def panel_frame(page: Page) -> Frame:
    handle = await page.locator("chats-widget iframe").element_handle()
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    return frame


async def test_guest_panel_states(make_page: MakePage, server: ThreadServer, db: Database,
                                  store: StoreInfo, site: str, lang: str) -> None:
    await create_staff(db, store_id=store.store_id, login_id="a11y-agent", name="担当 一郎")
    staff = await StaffMember.connect(server, "a11y-agent")
    try:
        page = await make_page(locale=BROWSER_LOCALE[lang])
        await page.goto(site)
        widget = Widget(page)
        await widget.recheck_until("waiting")
        await assert_accessible(page, f"guest-button-{lang}", include=["chats-widget"])

        await widget.open()
        await expect(widget.testid("entry-form")).to_be_visible()
        frame = await panel_frame(page)
        await assert_accessible(frame, f"guest-form-{lang}")
        await screenshot(page, f"a11y-guest-form-{lang}")

        await widget.panel.get_by_label("ニックネーム" if lang == "ja" else "Nickname").fill("山田")
        await widget.testid("start").click()
        conversation_id = await staff.waiting_conversation("山田")
        await expect(widget.testid("queue")).to_be_visible()
        await assert_accessible(frame, f"guest-queue-{lang}")
        await staff.socket.claim(conversation_id)
        await expect(widget.testid("staff-name")).to_be_visible()
        await widget.type_and_enter("抹茶セットの在庫はありますか？")
        await staff.send(conversation_id, kind="text", text="はい、ございます。")
        await staff.send(conversation_id, kind="stamp", stamp="thanks")
        await expect(widget.testid("stamp")).to_be_visible()
        await assert_accessible(frame, f"guest-chat-{lang}")
        await screenshot(page, f"a11y-guest-chat-{lang}")

        await staff.socket.send({"type": "end", "conversation_id": conversation_id})
        await expect(widget.testid("ended")).to_be_visible(timeout=WAIT)
        await assert_accessible(frame, f"guest-ended-{lang}")
        await screenshot(page, f"a11y-guest-ended-{lang}")
    finally:
        await staff.close()


async def test_console_states(make_page: MakePage, server: ThreadServer, store: StoreInfo,
                              lang: str) -> None:
    page = await make_page(locale=BROWSER_LOCALE[lang])
    await page.goto(f"{server.url}/console/")
    await expect(page.get_by_test_id("login-id")).to_be_visible()
    await assert_accessible(page, f"console-login-{lang}", required=("page-has-heading-one",))

    await console_login(page, server, store.admin_login)
    await assert_accessible(page, f"console-empty-{lang}", required=STAFF_RULES)
    await screenshot(page, f"a11y-console-empty-{lang}")

    guest = await arriving_guest(server, store, "やまだ")
    await expect(page.get_by_test_id("waiting-guest")).to_have_count(1, timeout=WAIT)
    await assert_accessible(page, f"console-waiting-{lang}", required=STAFF_RULES)

    await page.get_by_test_id("waiting-guest").click()
    await guest.expect("conversation", lambda f: f["status"] == "active")
    await guest.say("抹茶のセットについて質問です。")
    box = page.get_by_test_id("message-input")
    await box.fill("ご質問ありがとうございます。")
    await box.press("Enter")
    said = await guest.expect("message", lambda f: f["author"] == "staff")
    await guest.send({"type": "read", "conversation_id": said["conversation_id"],
                      "seq": said["seq"]})
    await expect(page.get_by_test_id("read-mark").first).to_be_visible(timeout=WAIT)
    await assert_accessible(page, f"console-chat-{lang}", required=STAFF_RULES)
    await screenshot(page, f"a11y-console-chat-{lang}")

    await page.get_by_test_id("stamp-button").click()
    await expect(page.get_by_test_id("stamp-palette")).to_be_visible()
    await expect(page.locator(".stamp-palette__item").first).to_be_visible()
    await assert_accessible(page, f"console-stamps-{lang}", required=STAFF_RULES)
    await screenshot(page, f"a11y-console-stamps-{lang}")
    await page.keyboard.press("Escape")

    await page.get_by_test_id("staff-list-button").click()
    await expect(page.get_by_test_id("staff-dialog")).to_be_visible()
    await assert_accessible(page, f"console-staff-dialog-{lang}")
    await page.keyboard.press("Escape")

    await page.get_by_test_id("guest-list-button").click()
    await expect(page.get_by_test_id("guest-table")).to_be_visible(timeout=WAIT)
    await assert_accessible(page, f"console-guest-list-{lang}", required=STAFF_RULES)
    await screenshot(page, f"a11y-console-guest-list-{lang}")
    await page.get_by_test_id("guest-row").first.get_by_role("button").click()
    await expect(page.get_by_test_id("conversation-chip")).to_have_count(1, timeout=WAIT)
    await expect(page.get_by_test_id("guest-view").get_by_test_id("timeline")).to_be_visible()
    await assert_accessible(page, f"console-guest-view-{lang}", required=STAFF_RULES)
    await screenshot(page, f"a11y-console-guest-view-{lang}")
    await guest.close()


ADMIN_TABS = ["staff", "buttons", "screen", "fields", "hours", "stats", "canned", "embed"]


async def test_admin_tabs(make_page: MakePage, server: ThreadServer, store: StoreInfo,
                          lang: str) -> None:
    page = await make_page(locale=BROWSER_LOCALE[lang])
    await page.goto(f"{server.url}/admin/")
    await page.get_by_test_id("login-id").fill(store.admin_login)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    for name in ADMIN_TABS:
        await page.get_by_test_id(f"tab-{name}").click()
        await expect(page.get_by_test_id(f"tab-{name}")).to_have_attribute("aria-selected", "true")
        loading = page.locator(".tabs__panel p.admin-muted[role=status]")
        await expect(loading).to_have_count(0, timeout=WAIT)
        await assert_accessible(page, f"admin-{name}-{lang}", required=STAFF_RULES)
        await screenshot(page, f"a11y-admin-{name}-{lang}", full_page=True)


async def test_guest_leave_form(make_page: MakePage, site: str, lang: str) -> None:
    page = await make_page(locale=BROWSER_LOCALE[lang])
    await page.goto(site)
    widget = Widget(page)
    await widget.expect_status("away")
    await assert_accessible(page, f"guest-button-away-{lang}", include=["chats-widget"])
    await widget.open()
    await expect(widget.testid("leave-form")).to_be_visible()
    await assert_accessible(await panel_frame(page), f"guest-leave-{lang}")
    await screenshot(page, f"a11y-guest-leave-{lang}")
