"""A person logs in through the real console login page (foundation)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import PHONE, MakePage, screenshot
from tests.factories import PASSWORD, StoreInfo
from tests.servers import ThreadServer


@pytest.mark.e2e
async def test_login_page_in_japanese_and_english(make_page: MakePage, server: ThreadServer,
                                                  store: StoreInfo) -> None:
    page = await make_page()
    await page.goto(f"{server.url}/console/")
    await expect(page.get_by_test_id("login-submit")).to_be_visible()
    await expect(page.get_by_test_id("login-submit")).to_have_text("ログイン")
    await screenshot(page, "login-ja")

    await page.get_by_test_id("login-id").fill(store.admin_login)
    await page.get_by_test_id("login-password").fill("wrong-password")
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("login-error")).to_contain_text(
        "ログインIDまたはパスワードが違います")
    await screenshot(page, "login-error-ja")

    await page.get_by_test_id("lang-switch").locator("[data-lang=en]").click()
    await expect(page.get_by_test_id("login-submit")).to_have_text("Log in")
    await screenshot(page, "login-en")

    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("status-bar")).to_be_visible()
    await expect(page.get_by_test_id("status-bar")).to_contain_text(store.admin_login)
    await screenshot(page, "console-after-login")

    # The session survives a reload (it lives in the database, not in the page).
    await page.reload()
    await expect(page.get_by_test_id("status-bar")).to_be_visible()


@pytest.mark.e2e
async def test_login_page_on_a_phone(make_page: MakePage, server: ThreadServer,
                                     store: StoreInfo) -> None:
    page = await make_page(viewport=PHONE, locale="en-US")
    await page.goto(f"{server.url}/console/")
    await expect(page.get_by_test_id("login-submit")).to_have_text("Log in")
    await screenshot(page, "login-phone-en")
