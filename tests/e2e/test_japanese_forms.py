"""Japanese forms in real Chromium (issue 16): the postal look-up, furigana, search words.

The admin's field editor explains the Japanese field types; in the console's user
information a postal code fills the address from Japan Post's data (or offers the
candidates), a furigana typed in hiragana is saved in katakana and one in kanji is
refused; the guest's entry form looks its postal code up the same way.
Screenshots: $CHATS_ARTIFACTS/screenshots/jp-*.png.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_admin import log_in
from tests.e2e.test_console import WAIT, console_login
from tests.e2e.test_console_details import claimed_chat
from tests.e2e.widget_page import staff_http
from tests.factories import StoreInfo
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e


async def test_admin_field_editor_explains_the_japanese_types(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await log_in(page, server.url, store.admin_login)
    await page.get_by_test_id("tab-fields").click()
    await page.get_by_test_id("field-add-label").fill("フリガナ（お届け先）")
    await page.get_by_test_id("field-add-type").select_option("kana")
    hint = page.locator("#field-add-type-hint")
    await expect(hint).to_contain_text("全角カタカナで保存")
    await expect(page.get_by_test_id("field-add-type")).to_have_attribute(
        "aria-describedby", "field-add-type-hint")
    await page.get_by_test_id("field-add-submit").scroll_into_view_if_needed()
    await screenshot(page, "jp-admin-field-editor", full_page=True)
    await assert_accessible(page, "admin field editor with a type hint")
    await page.get_by_test_id("field-add-submit").click()
    row = page.get_by_test_id("field-field")
    await expect(row).to_be_visible(timeout=WAIT)
    await expect(row.locator("select")).to_have_value("kana")
    await screenshot(page, "jp-admin-field-list", full_page=True)
    await page.get_by_test_id("field-add-type").select_option("postal")
    await expect(hint).to_contain_text("日本郵便のデータ")


async def test_console_postal_lookup_and_furigana(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await console_login(page, server, store.admin_login)
    guest = await claimed_chat(page, server, store, "はなこ")
    info = page.get_by_test_id("user-info")
    postal = info.get_by_test_id("field-postal_code")
    address = info.get_by_test_id("field-address")

    # Full-width digits and a full-width hyphen: the address is filled in.
    await postal.fill("１００－０００１")
    await expect(address).to_have_value("東京都千代田区千代田", timeout=WAIT)
    await expect(info.get_by_test_id("field-postal_code-lookup")).to_contain_text(
        "東京都千代田区千代田")
    await address.fill("東京都千代田区千代田1-1")
    # A code of two places: the person chooses; the street number typed stays.
    await postal.fill("498-0000")
    choices = info.get_by_test_id("field-postal_code-lookup-choice")
    await expect(choices).to_have_count(2, timeout=WAIT)
    await expect(address).to_have_value("東京都千代田区千代田1-1")
    await assert_accessible(page, "console postal choices", include=['[data-testid="user-info"]'])
    await choices.filter(has_text="三重県").click()
    await expect(address).to_have_value("三重県桑名郡木曽岬町1-1")
    # Six digits: a clear message when leaving the field; unknown codes say so.
    await postal.fill("100-001")
    await postal.blur()
    await expect(info.get_by_test_id("field-postal_code-lookup-error")).to_contain_text(
        "7桁", timeout=WAIT)
    await postal.fill("999-9999")
    await expect(info.get_by_test_id("field-postal_code-lookup-error")).to_contain_text(
        "日本郵便のデータにありません", timeout=WAIT)
    await postal.fill("〒498-0000")

    # Furigana in hiragana is saved in katakana; kanji are refused and change nothing.
    kana = info.get_by_test_id("field-kana")
    await kana.fill("やまだ はなこ")
    await info.get_by_test_id("save-personal").click()
    await expect(info.get_by_test_id("save-personal-result")).to_have_text("保存しました。",
                                                                            timeout=WAIT)
    await expect(kana).to_have_value("ヤマダ\u3000ハナコ")
    await expect(postal).to_have_value("498-0000")
    await screenshot(page, "jp-console-user-info")
    await kana.fill("山田はなこ")
    await info.get_by_test_id("save-personal").click()
    await expect(info.get_by_test_id("save-personal-result")).to_contain_text("漢字",
                                                                               timeout=WAIT)
    await screenshot(page, "jp-console-furigana-refused")
    http, _csrf = await staff_http(server, store.admin_login)
    try:
        profile = (await http.get(f"/api/guests/{guest.guest_id}")).json()["profile"]
    finally:
        await http.aclose()
    assert profile["kana"] == "ヤマダ\u3000ハナコ"
    assert profile["address"] == "三重県桑名郡木曽岬町1-1"
    await guest.close()


async def test_guest_entry_form_looks_the_postal_code_up(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    http, csrf = await staff_http(server, store.admin_login)
    try:
        fields = (await http.get("/api/admin/fields")).json()["fields"]
        for f in fields:
            if f["key"] in ("kana", "postal_code", "address"):
                r = await http.patch(f"/api/admin/fields/{f['id']}",
                                     json={"ask_before_chat": True},
                                     headers={"X-CSRF-Token": csrf})
                assert r.status_code == 200, r.text
    finally:
        await http.aclose()
    console = await make_page()
    await console_login(console, server, store.admin_login)  # someone is there to answer
    page = await make_page()
    await page.goto(f"{server.url}/widget/panel?store={store.widget_key}&lang=ja")
    form = page.get_by_test_id("entry-form")
    await expect(form).to_be_visible(timeout=WAIT)
    await form.locator("#f-postal_code").fill("〒１５００００２")
    await expect(form.locator("#f-address")).to_have_value("東京都渋谷区渋谷", timeout=WAIT)
    await screenshot(page, "jp-guest-entry-form")
    # The server reads the guest's values as it reads staff's: kanji in furigana are refused.
    await form.locator("#f-nickname").fill("はなこ")
    await form.locator("#f-kana").fill("山田花子")
    await page.get_by_test_id("start").click()
    await expect(form.get_by_role("alert")).to_contain_text("漢字", timeout=WAIT)
    await screenshot(page, "jp-guest-furigana-refused")
    await assert_accessible(page, "guest entry form with a postal look-up")
    await form.locator("#f-kana").fill("ﾔﾏﾀﾞ ﾊﾅｺ")
    await page.get_by_test_id("start").click()
    await expect(form).to_have_count(0, timeout=WAIT)
    http, _csrf = await staff_http(server, store.admin_login)
    try:
        guests = (await http.get("/api/guests", params={"q": "やまだ"})).json()["guests"]
        assert len(guests) == 1
        profile = (await http.get(f"/api/guests/{guests[0]['id']}")).json()["profile"]
    finally:
        await http.aclose()
    assert profile == {"kana": "ヤマダ\u3000ハナコ", "postal_code": "150-0002",
                       "address": "東京都渋谷区渋谷"}
