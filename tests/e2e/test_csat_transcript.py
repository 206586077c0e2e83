"""Issue 19 in Chromium: the admin words the rating, the guest rates its chat and asks for the
transcript in the widget (Japanese), staff see the rating live and mail a transcript from the
console; the mails reach a real SMTP server. English screens too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from chats.config import Settings
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, Shop, screenshot
from tests.e2e.test_console import console_login
from tests.factories import PASSWORD
from tests.mail.conftest import SmtpServer
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e
WAIT = 10_000


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The test's server sends its mail to the test SMTP server."""
    return settings.model_copy(update={"smtp_url": smtp.url,
                                       "mail_from": "茶房みどり <shop@example.jp>"})


async def admin_words_the_survey(page: Page, server: ThreadServer, login_id: str) -> None:
    await page.goto(f"{server.url}/admin/#screen")
    await page.get_by_test_id("login-id").fill(login_id)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    card = page.get_by_test_id("csat-card")
    await expect(card).to_be_visible(timeout=WAIT)
    await page.get_by_test_id("csat-enabled").check()
    await page.get_by_test_id("csat-question-ja").fill("本日の対応はいかがでしたか？")
    await page.get_by_test_id("csat-label-ja-5").fill("大満足")
    await page.get_by_test_id("csat-save").click()
    await expect(page.get_by_test_id("csat-done")).not_to_be_empty(timeout=WAIT)
    await card.scroll_into_view_if_needed()
    await screenshot(page, "admin-csat-ja")


async def test_guest_rates_and_asks_for_the_transcript(
        make_page: MakePage, server: ThreadServer, shop: Shop, smtp: SmtpServer) -> None:
    store = shop.store
    admin = await make_page()
    await admin_words_the_survey(admin, server, store.admin_login)

    console = await make_page()
    await console_login(console, server, store.admin_login)

    page = await make_page()
    await page.goto(shop.url)
    from tests.e2e.widget_page import Widget

    widget = Widget(page)
    await widget.recheck_until("waiting")
    await widget.open()
    await widget.start_chat("花子")
    await console.get_by_test_id("waiting-guest").filter(has_text="花子").click()
    await expect(widget.testid("staff-name")).to_be_visible(timeout=WAIT)
    await widget.type_and_enter("<script>alert('x')</script> 配送について教えてください")
    composer = console.get_by_test_id("message-input")
    await composer.fill("ご注文の翌日に発送いたします。")
    await composer.press("Enter")
    await expect(widget.in_panel("li[data-author=staff] .bubble")).to_have_count(1, timeout=WAIT)
    # The guest ends it: the console keeps the ended tab, where the rating will show.
    await widget.testid("end").click()
    await widget.testid("end-confirm").click()
    await expect(console.get_by_test_id("chat-ended")).to_be_visible(timeout=WAIT)

    # The guest: the question in the store's words, five levels.
    after = widget.testid("after-chat")
    await expect(after).to_be_visible(timeout=WAIT)
    await expect(widget.testid("rate-form")).to_contain_text("本日の対応はいかがでしたか？")
    await expect(widget.testid("rate-5")).to_contain_text("大満足")
    await screenshot(page, "widget-csat-ja")
    await widget.testid("rate-4").click()
    await widget.testid("rate-comment").fill("丁寧な対応でした")
    await widget.testid("rate-submit").click()
    await expect(widget.testid("rated")).to_be_visible(timeout=WAIT)

    # Staff see it live on the conversation.
    rating = console.get_by_test_id("csat-rating")
    await expect(rating).to_have_attribute("data-score", "4", timeout=WAIT)
    await expect(rating).to_contain_text("丁寧な対応でした")
    await screenshot(console, "console-csat-ja")
    # The admin's statistics show it (chart, summary, per staff member).
    await admin.get_by_test_id("tab-stats").click()
    await expect(admin.get_by_test_id("csat-total")).to_contain_text("4.00", timeout=WAIT)
    await expect(admin.get_by_test_id("csat-staff")).to_contain_text("Admin", timeout=WAIT)
    await admin.get_by_test_id("csat-stats").scroll_into_view_if_needed()
    await assert_accessible(admin, "admin-stats-csat-ja")
    await screenshot(admin, "admin-stats-csat-ja")

    # The transcript: a malformed address is refused in Japanese, then it is sent.
    await widget.testid("transcript-open").click()
    await widget.testid("transcript-email").fill("hanako@example")
    await widget.testid("transcript-send").click()
    await expect(widget.testid("transcript-error")).to_contain_text("メールアドレス", timeout=WAIT)
    await widget.testid("transcript-email").fill("hanako@example.com")
    await widget.testid("transcript-send").click()
    await expect(widget.testid("transcript-sent")).to_contain_text("hanako@example.com",
                                                                   timeout=WAIT)
    await screenshot(page, "widget-transcript-ja")
    mail = (await smtp.mailbox.wait_for(1))[0]
    assert mail.rcpt_tos == ["hanako@example.com"]
    rich = mail.message.get_body(("html",))
    assert rich is not None and "&lt;script&gt;" in rich.get_content()

    # Staff mail one from the console, to a typed address.
    await console.get_by_test_id("transcript-button").click()
    await console.get_by_test_id("transcript-to").fill("manager@example.com")
    await assert_accessible(console, "console-transcript-ja")
    await screenshot(console, "console-transcript-ja")
    await console.get_by_test_id("transcript-submit").click()
    await expect(console.get_by_test_id("transcript-dialog")).to_have_count(0, timeout=WAIT)
    received = await smtp.mailbox.wait_for(2)
    assert received[1].rcpt_tos == ["manager@example.com"]


async def test_english_screens(make_page: MakePage, server: ThreadServer, shop: Shop) -> None:
    store = shop.store
    admin = await make_page(locale="en-US")
    await admin.goto(f"{server.url}/admin/#screen")
    await admin.get_by_test_id("login-id").fill(store.admin_login)
    await admin.get_by_test_id("login-password").fill(PASSWORD)
    await admin.get_by_test_id("login-submit").click()
    await expect(admin.get_by_test_id("csat-card")).to_contain_text("Satisfaction survey",
                                                                   timeout=WAIT)
    await admin.get_by_test_id("csat-enabled").check()
    await admin.get_by_test_id("csat-save").click()
    await expect(admin.get_by_test_id("csat-done")).not_to_be_empty(timeout=WAIT)
    await admin.get_by_test_id("csat-card").scroll_into_view_if_needed()
    await assert_accessible(admin, "admin-csat-en")
    await screenshot(admin, "admin-csat-en")

    console = await make_page(locale="en-US")
    await console_login(console, server, store.admin_login)
    # The panel on its own page, in English (as the loader opens it on an English page).
    page = await make_page(locale="en-US", viewport={"width": 400, "height": 700})
    await page.goto(f"{server.url}/widget/panel?store={store.widget_key}&lang=en")
    form = page.get_by_test_id("entry-form")
    await expect(form).to_be_visible(timeout=WAIT)
    await form.locator("input").first.fill("Hana")
    await page.get_by_test_id("start").click()
    await console.get_by_test_id("waiting-guest").filter(has_text="Hana").click()
    await expect(page.get_by_test_id("staff-name")).to_be_visible(timeout=WAIT)
    await page.get_by_test_id("end").click()
    await page.get_by_test_id("end-confirm").click()
    await expect(page.get_by_test_id("rate-form")).to_contain_text(
        "How satisfied were you with this chat?", timeout=WAIT)
    await assert_accessible(page, "guest-rating-en")
    await screenshot(page, "widget-csat-en")
    await page.get_by_test_id("rate-5").click()
    await page.get_by_test_id("rate-submit").click()
    await expect(page.get_by_test_id("rated")).to_contain_text("Thank you", timeout=WAIT)
    await page.get_by_test_id("transcript-open").click()
    await page.get_by_test_id("transcript-email").fill("hana@example.com")
    await page.get_by_test_id("transcript-send").click()
    await expect(page.get_by_test_id("transcript-sent")).to_contain_text("hana@example.com",
                                                                       timeout=WAIT)
    await screenshot(page, "widget-transcript-en")
    await expect(console.get_by_test_id("csat-rating")).to_have_attribute("data-score", "5",
                                                                          timeout=WAIT)
    await assert_accessible(console, "console-rating-en")
    await screenshot(console, "console-csat-en")
