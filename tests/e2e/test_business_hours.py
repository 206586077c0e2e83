"""Business hours and polite canned responses in Chromium, in Japanese (issue 16 items 4, 5).

The server's clock is the test's: Thursday 3 December 2026, 19:00 in Tokyo (closed) for
the hours, 11:00 that morning (open) for the canned response.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.async_api import expect

from chats.config import Settings
from tests.clock import FakeClock
from tests.e2e.conftest import MakePage, Shop, screenshot
from tests.e2e.test_admin import log_in
from tests.e2e.test_console import WAIT, arriving_guest, console_login, tab
from tests.e2e.widget_page import Widget
from tests.factories import PASSWORD, StoreInfo
from tests.servers import ThreadServer, http_client

pytestmark = pytest.mark.e2e

THURSDAY_EVENING = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 19:00 in Tokyo
THURSDAY_MORNING = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> FakeClock:
    morning = "canned" in request.node.name
    return FakeClock(THURSDAY_MORNING if morning else THURSDAY_EVENING)


@pytest.fixture
def server(settings: Settings, clock: FakeClock) -> Iterator[ThreadServer]:
    srv = ThreadServer(settings, clock=clock).start()
    yield srv
    srv.stop()


async def test_admin_sets_hours_and_the_widget_says_when_it_opens(
        make_page: MakePage, server: ThreadServer, shop: Shop, store: StoreInfo) -> None:
    admin = await make_page()
    await log_in(admin, server.url, store.admin_login)
    await admin.get_by_test_id("tab-hours").click()
    await expect(admin.get_by_test_id("hours-form")).to_be_visible()
    await admin.get_by_test_id("hours-enabled").check()

    # Overlapping ranges on Monday: a clear Japanese message, nothing saved.
    monday = admin.get_by_test_id("hours-day-0")
    await monday.get_by_test_id("hours-add-range").click()
    await monday.get_by_test_id("hours-start").nth(1).fill("17:00")
    await monday.get_by_test_id("hours-end").nth(1).fill("19:00")
    await admin.get_by_test_id("hours-save").click()
    await expect(admin.get_by_test_id("hours-error")).to_contain_text(
        "月曜日の営業時間「10:00–18:00」と「17:00–19:00」が重なっています")
    async with http_client(base_url=server.url) as http:
        r = await http.post("/api/auth/login",
                            json={"login_id": store.admin_login, "password": PASSWORD})
        http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        assert (await http.get("/api/admin/hours")).json()["enabled"] is False

    # Fixed: Monday 10:00–12:00 and 13:00–18:00; the year-end closure.
    await monday.get_by_test_id("hours-end").nth(0).fill("12:00")
    await monday.get_by_test_id("hours-start").nth(1).fill("13:00")
    await monday.get_by_test_id("hours-end").nth(1).fill("18:00")
    await admin.get_by_test_id("hours-add-closure").click()
    closure = admin.get_by_test_id("hours-closure")
    await closure.get_by_label("休業の開始日").fill("2026-12-29")
    await closure.get_by_label("休業の終了日").fill("2027-01-03")
    await closure.get_by_label("名前").fill("年末年始")
    await admin.get_by_test_id("hours-save").click()
    await expect(admin.get_by_test_id("hours-done")).to_have_text("営業時間を保存しました。")
    preview = admin.get_by_test_id("hours-preview")
    await expect(admin.get_by_test_id("hours-now")).to_have_text(
        "現在は営業時間外です。次の受付開始: 12月4日（金）10:00")
    await expect(preview.locator("tr", has_text="12月7日（月）")).to_contain_text(
        "10:00〜12:00, 13:00〜18:00")
    await expect(preview.locator("tr", has_text="12月5日（土）")).to_contain_text("休業")
    await screenshot(admin, "admin-hours", full_page=True)

    # A staff member is online, but the store is closed: the guest sees away and when.
    console = await make_page()
    await console_login(console, server, store.admin_login)
    await expect(console.get_by_test_id("hours-notice")).to_contain_text(
        "営業時間外です（次の受付開始: 12月4日（金）10:00）", timeout=WAIT)
    await screenshot(console, "console-outside-hours")
    page = await make_page()
    await page.goto(shop.url)
    widget = Widget(page)
    await widget.recheck_until("away")
    await widget.open()
    await expect(widget.testid("opens-at")).to_have_text("12月4日（金）10:00 から受付")
    await expect(widget.testid("leave-form")).to_be_visible()
    await screenshot(page, "widget-out-of-hours")


async def test_canned_variables_are_filled_in_politely(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    async with http_client(base_url=server.url) as http:
        r = await http.post("/api/auth/login",
                            json={"login_id": store.admin_login, "password": PASSWORD})
        http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        r = await http.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "hello", "title": "ご挨拶",
            "text": "{ゲスト名}様、{店舗名}の{担当者名}でございます。"})
        assert r.status_code == 201, r.text
        me = (await http.get("/api/auth/me")).json()
    staff_name = me["staff"]["name"] if "staff" in me else me["name"]
    console = await make_page()
    await console_login(console, server, store.admin_login)
    guest = await arriving_guest(server, store, "山田様")
    await console.get_by_test_id("waiting-guest").filter(has_text="山田様").click()
    await expect(tab(console, "山田様")).to_be_visible(timeout=WAIT)
    box = console.get_by_test_id("message-input")
    await box.type("/hel")
    await expect(console.get_by_test_id("slash-suggestions")).to_contain_text("ご挨拶")
    await box.press("Enter")
    # The guest's name already ends in 様: one honorific, never 「様様」.
    await expect(box).to_have_value(f"山田様、茶房みどりの{staff_name}でございます。")
    await screenshot(console, "console-canned-variables")
    await box.press("Enter")
    said = await guest.expect("message", lambda f: f["author"] == "staff")
    assert said["text"] == f"山田様、茶房みどりの{staff_name}でございます。"
