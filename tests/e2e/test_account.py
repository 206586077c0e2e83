"""Issue 13 in Chromium: own password change, two-step set-up, login with a code or a
recovery code, a store that requires it — in Japanese and in English."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.async_api import Page, expect

from chats.db.engine import Database
from tests.e2e.conftest import MakePage, screenshot
from tests.factories import PASSWORD, StoreInfo, create_staff
from tests.servers import ThreadServer

NEW_PASSWORD = "抹茶と煎茶のちがいを説明する"
TEXT = {
    "ja": {"locale": "ja-JP", "wrong_code": "確認コードが違います", "on": "有効",
           "short": "12文字以上", "current": "現在のパスワードが違います",
           "done": "パスワードを変更しました", "required": "2段階認証を必須にしました。"},
    "en": {"locale": "en-US", "wrong_code": "Wrong code", "on": "On",
           "short": "at least 12 characters", "current": "The current password is wrong",
           "done": "Your password was changed",
           "required": "Two-step verification is now required."},
}
LANGS = pytest.mark.parametrize("lang", ["ja", "en"])


def totp(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


@pytest.fixture
async def taro(db: Database, store: StoreInfo) -> str:
    await create_staff(db, store_id=store.store_id, login_id="taro", name="太郎")
    return "taro"


async def log_in(page: Page, url: str, login_id: str, password: str = PASSWORD,
                 surface: str = "console") -> None:
    await page.goto(f"{url}/{surface}/")
    await page.get_by_test_id("login-id").fill(login_id)
    await page.get_by_test_id("login-password").fill(password)
    await page.get_by_test_id("login-submit").click()


async def enter_code(page: Page, code: str) -> None:
    await page.get_by_test_id("totp-code").fill(code)
    await page.get_by_test_id("login-code-submit").click()


async def log_out(page: Page) -> None:
    await page.get_by_test_id("logout").click()
    await expect(page.get_by_test_id("login-submit")).to_be_visible()


async def turn_on(page: Page, lang: str) -> tuple[str, list[str]]:
    """Through the account dialog: QR and secret, a wrong code, the right one, the codes."""
    await page.get_by_test_id("account-open").click()
    dialog = page.get_by_test_id("account-dialog")
    await expect(dialog).to_be_visible()
    await screenshot(page, f"account-{lang}")
    await dialog.get_by_test_id("totp-start").click()
    await expect(dialog.get_by_test_id("totp-qr")).to_be_visible()
    secret = (await dialog.get_by_test_id("totp-secret").inner_text()).replace(" ", "")
    await screenshot(page, f"totp-setup-{lang}")
    await dialog.get_by_test_id("totp-code").fill("000000")
    await dialog.get_by_test_id("totp-confirm").click()
    await expect(dialog.get_by_test_id("two-factor-error")).to_contain_text(
        TEXT[lang]["wrong_code"])
    await dialog.get_by_test_id("totp-code").fill(totp(secret))
    await dialog.get_by_test_id("totp-confirm").click()
    codes_box = dialog.get_by_test_id("recovery-codes")
    await expect(codes_box).to_be_visible()
    codes = await codes_box.locator("code").all_inner_texts()
    assert len(codes) == 10
    await screenshot(page, f"recovery-codes-{lang}")
    await dialog.get_by_test_id("recovery-done").click()
    await expect(dialog.get_by_test_id("two-factor-state")).to_have_text(TEXT[lang]["on"])
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    return secret, codes


@pytest.mark.e2e
@LANGS
async def test_two_step_set_up_and_login(make_page: MakePage, server: ThreadServer, taro: str,
                                         lang: str) -> None:
    page = await make_page(locale=TEXT[lang]["locale"])
    await log_in(page, server.url, taro)
    await expect(page.get_by_test_id("status-bar")).to_be_visible()
    secret, codes = await turn_on(page, lang)
    await log_out(page)

    await log_in(page, server.url, taro)
    await expect(page.get_by_test_id("login-totp")).to_be_visible()
    await screenshot(page, f"login-code-{lang}")
    await enter_code(page, "123456")
    await expect(page.get_by_test_id("login-error")).to_contain_text(TEXT[lang]["wrong_code"])
    await screenshot(page, f"login-code-error-{lang}")
    await enter_code(page, totp(secret, 1))
    await expect(page.get_by_test_id("status-bar")).to_contain_text(taro)
    await log_out(page)

    # A recovery code works once.
    for attempt in range(2):
        await log_in(page, server.url, taro)
        await enter_code(page, codes[0])
        if attempt == 0:
            await expect(page.get_by_test_id("status-bar")).to_be_visible()
            await log_out(page)
    await expect(page.get_by_test_id("login-error")).to_contain_text(TEXT[lang]["wrong_code"])


@pytest.mark.e2e
@LANGS
async def test_own_password_change(make_page: MakePage, server: ThreadServer, taro: str,
                                   lang: str) -> None:
    here = await make_page(locale=TEXT[lang]["locale"])
    elsewhere = await make_page(locale=TEXT[lang]["locale"])
    for page in (here, elsewhere):
        await log_in(page, server.url, taro)
        await expect(page.get_by_test_id("status-bar")).to_be_visible()
    await here.get_by_test_id("account-open").click()
    form = here.get_by_test_id("password-change")
    await form.get_by_test_id("password-current").fill("not-my-password")
    await form.get_by_test_id("password-new").fill(NEW_PASSWORD)
    await form.get_by_test_id("password-submit").click()
    await expect(form.get_by_test_id("password-error")).to_contain_text(TEXT[lang]["current"])
    await form.get_by_test_id("password-current").fill(PASSWORD)
    await form.get_by_test_id("password-new").fill("12345678")
    await form.get_by_test_id("password-submit").click()
    await expect(form.get_by_test_id("password-error")).to_contain_text(TEXT[lang]["short"])
    await screenshot(here, f"password-error-{lang}")
    await form.get_by_test_id("password-new").fill(NEW_PASSWORD)
    await form.get_by_test_id("password-submit").click()
    # Two argon2 runs (check the current password, hash the new one) on a busy machine.
    await expect(form.get_by_test_id("password-done")).to_contain_text(TEXT[lang]["done"],
                                                                      timeout=20_000)
    await screenshot(here, f"password-done-{lang}")

    await elsewhere.reload()
    await expect(elsewhere.get_by_test_id("login-submit")).to_be_visible()
    await here.reload()
    await expect(here.get_by_test_id("status-bar")).to_be_visible()
    await log_in(elsewhere, server.url, taro, NEW_PASSWORD)
    await expect(elsewhere.get_by_test_id("status-bar")).to_be_visible()


@pytest.mark.e2e
@LANGS
async def test_a_store_that_requires_two_step(make_page: MakePage, server: ThreadServer,
                                              store: StoreInfo, taro: str, lang: str) -> None:
    admin = await make_page(locale=TEXT[lang]["locale"])
    await log_in(admin, server.url, store.admin_login, surface="admin")
    security = admin.get_by_test_id("login-security")
    await expect(security.get_by_test_id("security-login-url")).to_have_value(
        f"{server.url}/console/?store={store.widget_key}")
    await security.get_by_test_id("security-require-totp").click()
    await expect(security.get_by_test_id("security-require-totp")).to_be_checked()
    await expect(security.get_by_test_id("security-done")).to_have_text(TEXT[lang]["required"])
    await screenshot(admin, f"admin-login-security-{lang}", full_page=True)

    page = await make_page(locale=TEXT[lang]["locale"])
    await page.goto(f"{server.url}/console/?store={store.widget_key}")
    await expect(page.get_by_test_id("login-store")).to_have_value(store.widget_key)
    await page.get_by_test_id("login-id").fill(taro)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("totp-qr")).to_be_visible()
    secret = (await page.get_by_test_id("totp-secret").inner_text()).replace(" ", "")
    await screenshot(page, f"login-setup-{lang}", full_page=True)
    await enter_code(page, totp(secret))
    await expect(page.get_by_test_id("login-recovery")).to_be_visible()
    await screenshot(page, f"login-recovery-{lang}", full_page=True)
    await page.get_by_test_id("recovery-done").click()
    await expect(page.get_by_test_id("status-bar")).to_contain_text(taro)

    # The admin resets it (a lost phone): the member is asked to set it up again.
    await admin.reload()
    row = admin.get_by_test_id("staff-row-taro")
    await expect(row.get_by_test_id("staff-two-factor")).to_have_text(TEXT[lang]["on"])
    await row.get_by_role("button").click()
    await admin.get_by_test_id("staff-totp-reset").click()
    await expect(row.get_by_test_id("staff-two-factor")).to_have_text("—")
    await log_out(page)
    await log_in(page, server.url, taro)
    await expect(page.get_by_test_id("totp-qr")).to_be_visible()
