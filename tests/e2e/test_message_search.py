"""Message search in the console (issue 19 item 1), in Chromium: a hiragana query finds the
half-width katakana a guest typed, the snippet marks it, and a click opens the guest's
history at that conversation with the message in view and marked; English too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import expect

from chats.db.engine import Database
from chats.ids import utcnow
from tests.console.test_search import seed
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_console import WAIT, console_login
from tests.factories import StoreInfo
from tests.servers import ThreadServer


@pytest.mark.e2e
async def test_search_finds_and_opens_the_conversation_at_the_message(
        make_page: MakePage, server: ThreadServer, store: StoreInfo, db: Database) -> None:
    filler = [f"{n}件目のやりとりです。よろしくお願いします" for n in range(40)]
    found = await seed(db, store.store_id,
                       ["こんにちは", "いらっしゃいませ",
                        "ﾎﾟｲﾝﾄｶｰﾄﾞを家に忘れました<b>!</b>", *filler],
                       nickname="たなか", staff_id=store.admin_id,
                       start=utcnow() - timedelta(days=3))
    await seed(db, store.store_id, ["送料はいくらですか", "全国一律550円です"], nickname="すずき")
    page = await make_page()
    await console_login(page, server, store.admin_login)
    await page.get_by_test_id("message-search-button").click()
    await expect(page.get_by_test_id("message-search")).to_be_visible()
    box = page.get_by_test_id("msearch-q")
    await box.fill("ぽいんとかーど　忘れ")
    await box.press("Enter")
    hits = page.get_by_test_id("msearch-hit")
    await expect(hits).to_have_count(1, timeout=WAIT)
    # Marked in the form the guest typed; markup in a message stays text.
    await expect(hits.locator("mark")).to_have_text(["ﾎﾟｲﾝﾄｶｰﾄﾞ", "忘れ"])
    await expect(hits).to_contain_text("<b>!</b>")
    await expect(hits).to_contain_text("たなか")
    await expect(hits.get_by_test_id("msearch-author")).to_have_text("ゲストの発言")
    await screenshot(page, "console-message-search-ja")
    await assert_accessible(page, "console-message-search")

    # One- and two-character words: the panel says only the newest messages were read.
    await box.fill("送料")
    await box.press("Enter")
    await expect(page.get_by_test_id("msearch-short")).to_contain_text("5,000", timeout=WAIT)
    await expect(hits).to_have_count(1)
    await box.fill("ぽいんとかーど")
    await box.press("Enter")
    await expect(page.get_by_test_id("msearch-short")).to_have_count(0, timeout=WAIT)

    await hits.first.click()
    view = page.get_by_test_id("guest-view")
    await expect(view).to_be_visible(timeout=WAIT)
    message = view.locator('[data-seq="3"]')
    await expect(message).to_have_class("bubble-row bubble-row--guest is-found", timeout=WAIT)
    await expect(message).to_be_in_viewport()
    assert found.message_ids
    await screenshot(page, "console-message-search-opened-ja")
    await page.get_by_test_id("guest-back").click()
    await expect(hits).to_have_count(1, timeout=WAIT)

    english = await make_page(locale="en-US")
    await console_login(english, server, store.admin_login)
    await english.get_by_test_id("message-search-button").click()
    await english.get_by_test_id("msearch-q").fill("ガスコンロ")
    await english.get_by_test_id("msearch-q").press("Enter")
    await expect(english.get_by_test_id("msearch-none")).to_have_text("Nothing found.",
                                                                      timeout=WAIT)
    await english.get_by_test_id("msearch-q").fill("忘れました")
    await english.get_by_test_id("msearch-q").press("Enter")
    await expect(english.get_by_test_id("msearch-hit")).to_have_count(1, timeout=WAIT)
    await screenshot(english, "console-message-search-en")
