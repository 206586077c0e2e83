"""The admin lists the sites that may embed the widget; the menu warns while there are none
(issue 12)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_csp import Violations, staff_login
from tests.factories import StoreInfo
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e


async def test_embed_section_warns_until_a_site_is_listed(make_page: MakePage,
                                                         server: ThreadServer,
                                                         store: StoreInfo) -> None:
    seen = Violations()
    page = await seen.watch(await make_page())
    await page.goto(f"{server.url}/admin/")
    await staff_login(page, server.url, store.admin_login)
    banner = page.get_by_test_id("embed-banner")
    await expect(banner).to_contain_text("どのサイトにも埋め込める状態です")
    await screenshot(page, "admin-embed-banner")
    await banner.get_by_role("link").click()
    await expect(page.get_by_test_id("tab-embed")).to_have_attribute("aria-selected", "true")
    await expect(banner).to_have_count(0)
    await expect(page.get_by_test_id("embed-warning")).to_be_visible()
    await screenshot(page, "admin-embed-empty", full_page=True)

    origin = page.get_by_test_id("embed-origin")
    await origin.fill("shop.example.jp/cart")
    await page.get_by_test_id("embed-add").click()
    await expect(page.get_by_test_id("embed-error")).to_contain_text(
        "サイトのアドレスとして使えません")
    await expect(page.get_by_test_id("embed-warning")).to_be_visible()

    await origin.fill("https://Shop.Example.jp/")
    await page.get_by_test_id("embed-add").click()
    await expect(page.get_by_test_id("embed-list")).to_contain_text("https://shop.example.jp")
    await expect(page.get_by_test_id("embed-done")).to_contain_text("追加しました")
    await expect(page.get_by_test_id("embed-warning")).to_have_count(0)
    await expect(origin).to_have_value("")
    await origin.fill("http://localhost:8080")
    await page.get_by_test_id("embed-add").click()
    await expect(page.get_by_test_id("embed-list").locator("li")).to_have_count(2)
    await screenshot(page, "admin-embed", full_page=True)

    await page.reload()
    await expect(page.get_by_test_id("embed-list").locator("li")).to_have_count(2)
    await page.get_by_test_id("tab-staff").click()
    await expect(page.get_by_test_id("embed-banner")).to_have_count(0)
    await page.get_by_test_id("tab-embed").click()
    await page.get_by_test_id("embed-remove").first.click()
    await expect(page.get_by_test_id("embed-list").locator("li")).to_have_count(1)
    await expect(page.get_by_test_id("embed-list")).to_contain_text("http://localhost:8080")
    assert await seen.all() == []
