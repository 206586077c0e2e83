"""The console by keyboard and for a screen reader (issue 14.6), in real Chromium.

Focus stays where the work is (after a stamp, after ending a chat, in the palette, in a
dialog, in the guest list), the user-information tabs follow the arrow keys, text fields
show a solid focus ring, the guest's draft is not read out key by key, and waiting guests
and messages in chats not on screen are announced. Screenshots: a11y-kbd-*.png.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_console import arriving_guest, console_login, tab
from tests.factories import StoreInfo
from tests.realtime.clients import Guest
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e
WAIT = 10_000  # ms


async def take(page: Page, server: ThreadServer, store: StoreInfo, nickname: str) -> Guest:
    """A guest arrives and the console's staff member takes the chat by keyboard."""
    guest = await arriving_guest(server, store, nickname)
    waiting = page.get_by_test_id("waiting-guest").filter(has_text=nickname)
    await waiting.focus()
    await page.keyboard.press("Enter")
    await expect(tab(page, nickname)).to_be_visible(timeout=WAIT)
    await guest.expect("conversation", lambda f: f["status"] == "active")
    return guest


async def focused_testid(page: Page) -> str | None:
    found: str | None = await page.evaluate("document.activeElement?.dataset?.testid ?? null")
    return found


async def test_stamp_palette_and_ending_keep_the_focus(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await console_login(page, server, store.admin_login)
    yamada = await take(page, server, store, "やまだ")
    tanaka = await take(page, server, store, "たなか")
    box = page.get_by_test_id("message-input")
    await tab(page, "たなか").click()

    # The palette opens on its first stamp; Escape from inside closes it, back on its button
    # (the canned-response list likewise).
    await page.get_by_test_id("stamp-button").focus()
    await page.keyboard.press("Enter")
    palette = page.get_by_test_id("stamp-palette")
    await expect(palette).to_be_visible()
    await expect(palette.locator("button").first).to_be_focused()
    await screenshot(page, "a11y-kbd-stamp-palette")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Escape")
    await expect(palette).to_have_count(0)
    await expect(page.get_by_test_id("stamp-button")).to_be_focused()
    await page.get_by_test_id("canned-button").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("canned-manage")).to_be_focused()  # no canned yet
    await page.keyboard.press("Escape")
    await expect(page.get_by_test_id("canned-list")).to_have_count(0)
    await expect(page.get_by_test_id("canned-button")).to_be_focused()
    await page.get_by_test_id("stamp-button").focus()

    # A stamp sent by keyboard: the focus goes back to the message field.
    await page.keyboard.press("Enter")
    await expect(palette.locator("button").first).to_be_focused()
    code = await palette.locator("button").first.get_attribute("data-stamp")
    await page.keyboard.press("Enter")
    stamp = await tanaka.expect("message", lambda f: f["kind"] == "stamp")
    assert stamp["stamp"] == code
    await expect(box).to_be_focused()

    # Ending a chat by keyboard: the next chat's message field has the focus.
    await page.get_by_test_id("end-button").focus()
    await page.keyboard.press("Enter")
    await tanaka.expect("conversation", lambda f: f["status"] == "ended")
    await expect(tab(page, "たなか")).to_have_count(0)
    await expect(tab(page, "やまだ")).to_have_attribute("aria-selected", "true")
    await expect(box).to_be_focused()

    # The last one: the empty chat area (which says what to do next) has it, not the page.
    await page.get_by_test_id("end-button").focus()
    await page.keyboard.press("Enter")
    await yamada.expect("conversation", lambda f: f["status"] == "ended")
    await expect(page.get_by_test_id("no-chat-title")).to_be_focused()
    await screenshot(page, "a11y-kbd-after-end")
    await yamada.close()
    await tanaka.close()


async def tab_cycle(page: Page, dialog: Locator, presses: int, key: str = "Tab") -> None:
    for _ in range(presses):
        await page.keyboard.press(key)
        assert await dialog.evaluate("(d) => d.contains(document.activeElement)"), (
            f"{key} left the dialog for {await focused_testid(page)}")


async def test_dialog_keeps_focus_and_info_tabs_follow_arrows(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await console_login(page, server, store.admin_login)
    guest = await take(page, server, store, "やまだ")
    # A chat that opens puts the focus in its composer: done before the test moves it.
    await expect(page.get_by_test_id("message-input")).to_be_focused(timeout=WAIT)

    # The staff-list dialog: Tab and Shift+Tab go round inside it; Escape gives focus back.
    opener = page.get_by_test_id("staff-list-button")
    await opener.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_test_id("staff-dialog")
    await expect(dialog).to_be_visible()
    await tab_cycle(page, dialog, 4)
    await tab_cycle(page, dialog, 4, "Shift+Tab")
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(opener).to_be_focused()

    # User information: a tablist with one tab in the Tab order; arrows, Home and End move.
    tabs = page.get_by_role("tablist", name="ユーザー情報")
    await expect(tabs.get_by_role("tab")).to_have_count(3)
    personal = page.get_by_test_id("info-tab-personal")
    other = page.get_by_test_id("info-tab-other")
    history = page.get_by_test_id("info-tab-history")
    await expect(personal).to_have_attribute("tabindex", "0")
    await expect(other).to_have_attribute("tabindex", "-1")
    await personal.focus()
    await page.keyboard.press("ArrowRight")
    await expect(other).to_be_focused()
    await expect(other).to_have_attribute("aria-selected", "true")
    await expect(other).to_have_attribute("tabindex", "0")
    await expect(personal).to_have_attribute("tabindex", "-1")
    await expect(page.get_by_test_id("notes")).to_be_visible()
    await page.keyboard.press("End")
    await expect(history).to_be_focused()
    await expect(history).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowRight")
    await expect(personal).to_be_focused()
    await page.keyboard.press("ArrowLeft")
    await expect(history).to_be_focused()
    panel = page.get_by_role("tabpanel", name="履歴")
    await expect(panel).to_be_visible()
    await screenshot(page, "a11y-kbd-info-tabs")

    # The guest list keeps the focus in it as its views change.
    await page.get_by_test_id("guest-list-button").click()
    await expect(page.get_by_test_id("guest-search")).to_be_focused()
    await page.get_by_test_id("guest-row").first.get_by_role("button").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("guest-back")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("guest-search")).to_be_focused()
    await guest.close()


async def outline(field: Locator) -> tuple[str, float]:
    style: list[str] = await field.evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }")
    return style[0], float(style[1].removesuffix("px"))


async def test_fields_show_a_solid_focus_ring(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await page.goto(f"{server.url}/console/")
    login_id = page.get_by_test_id("login-id")
    await expect(login_id).to_be_visible()
    assert (await outline(login_id))[0] == "none"
    await login_id.focus()
    style, width = await outline(login_id)
    assert style == "solid" and width >= 2
    await screenshot(page, "a11y-kbd-login-focus")

    await console_login(page, server, store.admin_login)
    guest = await take(page, server, store, "やまだ")
    box = page.get_by_test_id("message-input")
    await expect(box).to_be_focused()
    style, width = await outline(box)
    assert style == "solid" and width >= 2
    await screenshot(page, "a11y-kbd-composer-focus")
    await guest.close()


async def test_draft_is_quiet_and_unseen_events_are_announced(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await console_login(page, server, store.admin_login)
    announcer = page.get_by_test_id("announcer")
    await expect(announcer).to_have_attribute("aria-live", "polite")

    yamada = await arriving_guest(server, store, "やまだ")
    await expect(announcer).to_have_text("新しい待機ゲスト：やまだ さん", timeout=WAIT)
    await page.get_by_test_id("waiting-guest").click()
    await expect(tab(page, "やまだ")).to_be_visible(timeout=WAIT)
    await yamada.expect("conversation", lambda f: f["status"] == "active")
    tanaka = await take(page, server, store, "たなか")

    # The guest's live draft shows, but is no live region (nor inside one).
    await tanaka.send({"type": "typing", "text": "在庫は"})
    draft = page.get_by_test_id("guest-draft")
    await expect(draft).to_contain_text("在庫は", timeout=WAIT)
    live = "(el) => el.closest('[aria-live], [role=log], [role=status]')"
    assert await draft.evaluate(live) is None

    # A message in the chat on screen is the timeline's (a log); one in another chat is told.
    await tab(page, "たなか").click()
    await yamada.say("抹茶のセットはありますか？")
    await expect(announcer).to_have_text(
        "やまだ さんから新しいメッセージ：抹茶のセットはありますか？", timeout=WAIT)
    await tanaka.say("ありがとうございます")
    await expect(page.get_by_test_id("timeline")).to_contain_text("ありがとうございます")
    await expect(announcer).not_to_contain_text("ありがとうございます")
    await yamada.close()
    await tanaka.close()
