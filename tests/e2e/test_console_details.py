"""Console details a shop notices on day one, in real Chromium (issue 14, item 5).

The 4,000-character limit in the composer, drafts that survive a reload (staff and guest),
one honorific, no "changed by someone else" banner after one's own save, the guest list
beside the waiting queue, phone search with or without hyphens, readable referrers,
desktop notifications for new messages and a canned /shortcut unique in its scope.
Screenshots go to $CHATS_ARTIFACTS/screenshots/console-detail-*.png.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, Route, WebSocket, expect

from chats.db.engine import Database
from tests.e2e.conftest import DESKTOP, MakePage, Shop, screenshot, wait_in_page
from tests.e2e.test_console import WAIT, console_login, tab
from tests.e2e.widget_page import StaffMember, Widget, staff_http
from tests.factories import StoreInfo, create_staff
from tests.realtime.clients import Guest
from tests.servers import ThreadServer, http_client

pytestmark = pytest.mark.e2e

SEARCH_REFERRER = ("https://www.google.com/search?q=%E6%8A%B9%E8%8C%B6+"
                   "%E3%82%BB%E3%83%83%E3%83%88&ie=UTF-8")

# Records desktop notifications, permission requests and tones; lets a test hide the tab.
SPY_SCRIPT = """
(() => {
  window.__notes = [];
  window.__asked = 0;
  window.__tones = 0;
  const Real = window.Notification;
  class Recorded {
    constructor(title, options) {
      window.__notes.push({ title, body: options && options.body, tag: options && options.tag });
    }
    close() {}
    static get permission() { return Real.permission; }
    static requestPermission() { window.__asked += 1; return Real.requestPermission(); }
  }
  window.Notification = Recorded;
  let hidden = false;
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true, get() { return hidden ? 'hidden' : 'visible'; } });
  Object.defineProperty(Document.prototype, 'hidden', {
    configurable: true, get() { return hidden; } });
  const oscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    window.__tones += 1;
    return oscillator.call(this);
  };
})();
"""


async def waiting_guest(server: ThreadServer, store: StoreInfo, nickname: str, *,
                        referrer: str = "") -> Guest:
    """A guest who viewed the shop's top page (coming from `referrer`) and asks for a chat."""
    # As the widget does: the page view first (it stores the guest), then the panel's hello.
    async with http_client(base_url=server.url) as widget:
        r = await widget.post(f"/api/widget/{store.widget_key}/visit",
                              json={"url": "https://shop.example/",
                                    "title": "トップページ", "referrer": referrer})
        assert r.status_code < 300, r.text
    guest = await Guest.connect(server.ws_url, store.widget_key, token=r.json()["token"])
    await guest.start(nickname)
    return guest


async def claimed_chat(page: Page, server: ThreadServer, store: StoreInfo,
                       nickname: str) -> Guest:
    guest = await waiting_guest(server, store, nickname)
    await page.get_by_test_id("waiting-guest").filter(has_text=nickname).click()
    await expect(tab(page, nickname)).to_be_visible(timeout=WAIT)
    await guest.expect("conversation", lambda f: f["status"] == "active")
    return guest


async def test_composer_limit_honorific_and_draft_after_reload(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await console_login(page, server, store.admin_login)
    guest = await claimed_chat(page, server, store, "客3号 さん")

    # One honorific, even when the guest's name already carries it.
    title = page.locator(".chat-pane__title")
    await expect(title).to_have_text("客3号 さんとのチャット")

    box = page.get_by_test_id("message-input")
    count = page.get_by_test_id("char-count")
    send = page.get_by_test_id("send")
    await box.fill("あ" * 3599)
    await expect(count).to_have_count(0)
    await box.fill("あ" * 3600)
    await expect(count).to_have_text("3,600 / 4,000 文字")
    # Counted in code points, like the server: an emoji is one character, not two.
    await box.fill("あ" * 3999 + "😀")
    await expect(count).to_have_text("4,000 / 4,000 文字")
    await expect(send).to_be_enabled()
    await box.fill("あ" * 4001)
    await expect(count).to_contain_text("4,001 / 4,000 文字")
    await expect(count).to_contain_text("4,000 文字を超えると送信できません")
    await expect(send).to_be_disabled()
    await expect(box).to_have_attribute("aria-invalid", "true")
    await screenshot(page, "console-detail-too-long")
    await box.press("End")
    await box.press("Enter")  # refused in the page: nothing goes out, nothing fails later
    await expect(box).to_have_value("あ" * 4001)
    await expect(page.get_by_test_id("pending-message")).to_have_count(0)

    await box.fill("短くしました。")
    await expect(count).to_have_count(0)
    await box.press("Enter")
    got = await guest.expect("message", lambda f: f["author"] == "staff")
    assert got["text"] == "短くしました。"

    # The unsent draft survives a reload of the console.
    await box.fill("送料についての書きかけ")
    await page.reload()
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open",
                                                                       timeout=WAIT)
    await expect(tab(page, "客3号 さん")).to_be_visible(timeout=WAIT)
    await expect(page.get_by_test_id("message-input")).to_have_value("送料についての書きかけ")
    await expect(title).not_to_contain_text("さん さん")
    await screenshot(page, "console-detail-draft-after-reload")
    # Sent, the draft is gone for good.
    await page.get_by_test_id("message-input").press("Enter")
    await guest.expect("message", lambda f: f["text"] == "送料についての書きかけ")
    await page.reload()
    await expect(tab(page, "客3号 さん")).to_be_visible(timeout=WAIT)
    await expect(page.get_by_test_id("message-input")).to_have_value("")

    # An offline reply being written survives a reload too.
    await page.get_by_test_id("end-button").click()
    await guest.expect("conversation", lambda f: f["status"] == "ended")
    await expect(page.get_by_test_id("no-chat")).to_be_visible(timeout=WAIT)
    for attempt in range(2):
        await page.get_by_test_id("guest-list-button").click()
        await page.get_by_test_id("guest-row").filter(has_text="客3号").get_by_role(
            "button").click()
        offline = page.get_by_test_id("offline-text")
        if attempt == 0:
            await offline.fill("先日のお問い合わせの件です。")
            await page.reload()
            await expect(page.get_by_test_id("connection")).to_have_attribute(
                "data-state", "open", timeout=WAIT)
    await expect(offline).to_have_value("先日のお問い合わせの件です。")
    await page.get_by_test_id("offline-send").click()
    await expect(page.get_by_test_id("guest-view").get_by_test_id("timeline")).to_contain_text(
        "先日のお問い合わせの件です。", timeout=WAIT)
    await expect(offline).to_have_value("")
    await guest.close()


async def test_own_save_shows_no_banner_but_a_colleagues_change_does(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    updates = asyncio.Event()

    def watch(ws: WebSocket) -> None:
        ws.on("framereceived",
              lambda payload: updates.set() if "guest_updated" in str(payload) else None)

    page.on("websocket", watch)

    async def answer_after_the_echo(route: Route) -> None:
        # The worst order: our own guest_updated echo reaches the page before the answer.
        if route.request.method != "PATCH":
            await route.continue_()
            return
        response = await route.fetch()
        await asyncio.wait_for(updates.wait(), 10)
        await route.fulfill(response=response)

    await page.route(re.compile(r".*/api/guests/[^/?]+$"), answer_after_the_echo)
    await console_login(page, server, store.admin_login)
    guest = await claimed_chat(page, server, store, "ほぞん")
    stale = page.get_by_test_id("info-stale")
    detail = re.compile(rf".*/api/guests/{guest.guest_id}$")

    await page.get_by_test_id("info-tab-other").click()
    notes = page.get_by_test_id("notes")
    for n, text in enumerate(("一回目のメモ", "二回目のメモ")):
        updates.clear()
        await notes.fill(text)
        async with page.expect_response(lambda r, n=n: r.request.method == "GET"
                                        and bool(detail.match(r.url))) as looked:
            await page.get_by_test_id("save-other").click()
            await expect(page.get_by_test_id("save-other-result")).to_have_text("保存しました。")
            if n == 1:
                await notes.fill("二回目のメモ、さらに追記")  # editing again at once
        await looked.value
        await expect(stale).to_have_count(0)
    await expect(notes).to_have_value("二回目のメモ、さらに追記")
    await screenshot(page, "console-detail-own-save")

    # A colleague's change while this form holds unsaved edits: then the banner is right.
    http, csrf = await staff_http(server, store.admin_login)
    try:
        r = await http.patch(f"/api/guests/{guest.guest_id}", json={"notes": "同僚のメモ"},
                             headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
    finally:
        await http.aclose()
    await expect(stale).to_contain_text("ほかの担当者", timeout=WAIT)
    await expect(notes).to_have_value("二回目のメモ、さらに追記")
    await screenshot(page, "console-detail-colleague-banner")
    await guest.close()


async def test_guest_list_beside_the_queue_phone_search_and_readable_referrer(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    page = await make_page()
    await console_login(page, server, store.admin_login)
    first = await waiting_guest(server, store, "でんわ", referrer=SEARCH_REFERRER)
    http, csrf = await staff_http(server, store.admin_login)
    try:
        r = await http.patch(f"/api/guests/{first.guest_id}",
                             json={"profile": {"phone": "090-1234-5678"}},
                             headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
    finally:
        await http.aclose()
    await expect(page.get_by_test_id("waiting-guest")).to_have_count(1, timeout=WAIT)

    await page.get_by_test_id("guest-list-button").click()
    panel = page.get_by_test_id("guest-list")
    await expect(panel).to_be_visible()
    rows = page.get_by_test_id("guest-row")
    await expect(rows).to_have_count(1, timeout=WAIT)
    # The queue stays in view next to the list, and it is live.
    waiting = page.get_by_test_id("waiting-list")
    await expect(waiting).to_be_in_viewport()
    second = await waiting_guest(server, store, "あとから")
    await expect(page.get_by_test_id("waiting-guest")).to_have_count(2, timeout=WAIT)
    await expect(page.get_by_test_id("waiting-guest").filter(has_text="あとから")
                 ).to_be_in_viewport()

    # Phone numbers with or without hyphens, in either width, find each other.
    search = page.get_by_test_id("guest-search")
    for q in ("09012345678", "０９０１２３４５６７８", "090-1234-5678"):
        await search.fill(q)
        await search.press("Enter")
        await expect(rows).to_have_count(1, timeout=WAIT)
        await expect(rows).to_contain_text("でんわ")
    await search.fill("08000000000")
    await search.press("Enter")
    await expect(rows).to_have_count(0, timeout=WAIT)
    await search.fill("０９０１２３４５６７８")
    await search.press("Enter")
    await expect(rows).to_have_count(1, timeout=WAIT)
    await screenshot(page, "console-detail-guest-list-1280")
    await page.set_viewport_size({"width": 1024, "height": 768})
    await expect(waiting).to_be_in_viewport()
    await expect(panel).to_be_in_viewport()
    await screenshot(page, "console-detail-guest-list-1024")

    # The referrer's search words are readable; the link still goes to the real address.
    await rows.get_by_role("button").click()
    await page.get_by_test_id("guest-view").get_by_test_id("info-tab-history").click()
    referrer = page.get_by_test_id("referrer")
    await expect(referrer).to_contain_text("q=抹茶 セット", timeout=WAIT)
    await expect(referrer.get_by_test_id("search-words")).to_have_text("検索: 抹茶 セット")
    assert await referrer.locator("a").get_attribute("href") == SEARCH_REFERRER
    await screenshot(page, "console-detail-referrer-1024")
    await page.set_viewport_size(DESKTOP)
    await screenshot(page, "console-detail-referrer-1280")

    # Taking a guest from the queue beside the list shows that chat.
    await page.get_by_test_id("waiting-guest").filter(has_text="あとから").click()
    await expect(tab(page, "あとから")).to_be_visible(timeout=WAIT)
    await expect(panel).to_have_count(0)
    await expect(page.get_by_test_id("chat-pane")).to_be_visible()
    for g in (first, second):
        await g.close()


# The headless shell answers every notification permission with "denied" before asking.
@pytest.mark.full_chromium
async def test_desktop_notification_for_a_new_message_while_hidden(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    # Permission is asked only from the control that explains it, never on load.
    asking = await make_page()
    await asking.add_init_script(SPY_SCRIPT)
    await console_login(asking, server, store.admin_login)
    toggle = asking.get_by_test_id("notify-toggle")
    await expect(toggle).to_have_attribute("data-state", "default")
    assert await asking.evaluate("window.__asked") == 0
    await toggle.click()
    explain = asking.get_by_test_id("notify-explain")
    await expect(explain).to_contain_text("このタブを見ていない間に")
    await screenshot(asking, "console-detail-notify-explain")
    assert await asking.evaluate("window.__asked") == 0
    await asking.get_by_test_id("notify-allow").click()
    await wait_in_page(asking, "window.__asked === 1", WAIT)

    page = await make_page(permissions=["notifications"])
    await page.add_init_script(SPY_SCRIPT)
    await console_login(page, server, store.admin_login)
    await expect(page.get_by_test_id("notify-toggle")).to_have_attribute("data-state", "on")
    guest = await claimed_chat(page, server, store, "よる")
    tones = await page.evaluate("window.__tones")
    # Looked at: no notification for a message in the open chat.
    await guest.say("見えているときのメッセージ")
    await expect(page.get_by_test_id("timeline")).to_contain_text("見えているとき", timeout=WAIT)
    assert await page.evaluate("window.__notes.filter(n => n.tag.startsWith('chats-message'))"
                               ) == []
    # Hidden: a desktop notification with the guest's name and words, and the sound.
    await page.evaluate("window.__setHidden(true)")
    await guest.say("送料はいくらですか？")
    await wait_in_page(page, "window.__notes.some(n => n.tag.startsWith('chats-message'))",
                       WAIT)
    notes = await page.evaluate("window.__notes.filter(n => n.tag.startsWith('chats-message'))")
    assert notes == [{"title": "よる さんから新しいメッセージ", "body": "送料はいくらですか？",
                      "tag": notes[0]["tag"]}]
    await wait_in_page(page, f"window.__tones > {tones + 1}", WAIT)
    # Switched off in the control: nothing more.
    await page.evaluate("window.__setHidden(false)")
    await page.get_by_test_id("notify-toggle").click()
    await page.get_by_test_id("notify-off").click()
    await expect(page.get_by_test_id("notify-toggle")).to_have_attribute("data-state", "off")
    await screenshot(page, "console-detail-notify-off")
    await page.evaluate("window.__setHidden(true)")
    await guest.say("もう一通")
    await expect(page.get_by_test_id("timeline")).to_contain_text("もう一通", timeout=WAIT)
    assert len(await page.evaluate(
        "window.__notes.filter(n => n.tag.startsWith('chats-message'))")) == 1
    await guest.close()


async def test_a_clashing_canned_shortcut_is_explained(
        make_page: MakePage, server: ThreadServer, db: Database, store: StoreInfo) -> None:
    http, csrf = await staff_http(server, store.admin_login)
    try:
        r = await http.post("/api/canned-responses", headers={"X-CSRF-Token": csrf}, json={
            "scope": "store", "shortcut": "hours", "title": "営業時間",
            "text": "10時から19時です。"})
        assert r.status_code == 201
    finally:
        await http.aclose()
    page = await make_page()
    await console_login(page, server, store.admin_login)
    await claimed_chat(page, server, store, "ていけい")
    dialog = page.get_by_test_id("canned-dialog")

    async def add(title: str, shortcut: str, text: str) -> None:
        await page.get_by_test_id("canned-title").fill(title)
        await page.get_by_test_id("canned-shortcut").fill(shortcut)
        await page.get_by_test_id("canned-text").fill(text)
        await page.get_by_test_id("canned-save").click()

    await page.get_by_test_id("canned-button").click()
    await page.get_by_test_id("canned-manage").click()
    # A personal /hours may shadow the store-wide one …
    await add("私の営業時間", "hours", "本日は18時までです。")
    await expect(dialog).to_contain_text("本日は18時までです。", timeout=WAIT)
    # … but a second personal /hours is refused with a clear message, and nothing is added.
    await add("重複", "/Hours", "重複した定型文")
    await expect(dialog.get_by_role("alert")).to_contain_text(
        "「/hours」はあなたの定型文ですでに使われています", timeout=WAIT)
    await screenshot(page, "console-detail-canned-clash")
    await page.keyboard.press("Escape")
    # Typing /hours offers one's own first.
    box = page.get_by_test_id("message-input")
    await box.type("/hours")
    suggestions = page.get_by_test_id("slash-suggestions").get_by_role("option")
    await expect(suggestions).to_have_count(2, timeout=WAIT)
    await expect(suggestions.first).to_contain_text("私の営業時間")


async def test_drafts_are_each_members_own_and_leave_with_their_logout(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    # A shop's shared PC: one member's unsent words must not wait in the browser for the
    # next one, and must not show up in the next one's composer.
    page = await make_page()
    await console_login(page, server, store.admin_login)
    guest = await claimed_chat(page, server, store, "客5号 さん")
    await page.get_by_test_id("message-input").fill("お届け先の住所は東京都…")
    stored = "JSON.stringify(Object.entries(localStorage))"
    await wait_in_page(page, f"{stored}.includes('お届け先の住所')")
    await page.get_by_test_id("logout").click()
    await expect(page.get_by_test_id("login-id")).to_be_visible(timeout=WAIT)
    assert "お届け先の住所" not in await page.evaluate(stored)
    await console_login(page, server, store.admin_login)
    # Logging out gave the chat back to the queue: taken up again, its composer is empty.
    await page.get_by_test_id("waiting-guest").filter(has_text="客5号 さん").click()
    await expect(tab(page, "客5号 さん")).to_be_visible(timeout=WAIT)
    await expect(page.get_by_test_id("message-input")).to_have_value("")
    await guest.close()


async def test_guest_draft_survives_a_reload(make_page: MakePage, shop: Shop,
                                             server: ThreadServer, db: Database) -> None:
    await create_staff(db, store_id=shop.store.store_id, login_id="draft-agent")
    staff = await StaffMember.connect(server, "draft-agent")
    try:
        page = await make_page()
        await page.goto(shop.url)
        widget = Widget(page)
        await widget.recheck_until("waiting")
        await widget.open()
        await widget.start_chat("したがき")
        conversation_id = await staff.waiting_conversation("したがき")
        await staff.socket.claim(conversation_id)
        await expect(widget.testid("staff-name")).to_be_visible(timeout=WAIT)
        composer = widget.testid("composer")
        await composer.fill("配送日の指定はできますか")
        await page.reload()
        await widget.open()
        await expect(widget.testid("composer")).to_have_value("配送日の指定はできますか",
                                                              timeout=WAIT)
        await screenshot(page, "console-detail-guest-draft")
        await widget.testid("composer").press("Enter")
        assert await staff.guest_texts(conversation_id, 1) == ["配送日の指定はできますか"]
        await page.reload()
        await widget.open()
        await expect(widget.testid("composer")).to_have_value("")
    finally:
        await staff.close()
