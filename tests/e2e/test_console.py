"""The staff console in real Chromium: two staff members, three guests over /ws/guest (issue 5).

One staff member holds several chats, sees a guest's live draft, sends text, a stamp,
a canned response and a file (the guest downloads it), transfers a chat, blacklists a
guest, returns to waiting, and sends an offline reply the guest sees on its next visit.
Screenshots of every screen and tab go to $CHATS_ARTIFACTS/screenshots/console-*.png.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from playwright.async_api import FilePayload, Locator, Page, WebSocketRoute, expect

from chats.db.engine import Database
from tests.e2e.conftest import MakePage, screenshot
from tests.factories import PASSWORD, StoreInfo, create_staff
from tests.realtime.clients import Guest, Staff
from tests.servers import Served, ThreadServer, http_client

pytestmark = pytest.mark.e2e
WAIT = 10_000  # ms, for Playwright expectations


async def console_login(page: Page, server: Served, login_id: str) -> None:
    """Open the console and log in like a person; wait until the socket is connected."""
    await page.goto(f"{server.url}/console/")
    await page.get_by_test_id("login-id").fill(login_id)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open",
                                                                       timeout=WAIT)


async def arriving_guest(server: Served, store: StoreInfo, nickname: str) -> Guest:
    """A guest who viewed two pages of the shop and asks for a chat.

    In the widget's order: the loader's page view makes the guest and its token,
    the chat panel's socket says `hello` with it.
    """
    token: str | None = None
    async with http_client(base_url=server.url) as widget:
        for url, title, ref in (("https://shop.example/", "トップページ", "https://search.example/?q=お茶"),
                                ("https://shop.example/menu", "メニュー", "https://shop.example/")):
            r = await widget.post(f"/api/widget/{store.widget_key}/visit",
                                  json={"token": token, "url": url, "title": title,
                                        "referrer": ref})
            token = r.json()["token"]
    guest = await Guest.connect(server.ws_url, store.widget_key, token=token)
    await guest.start(nickname)
    return guest


def tab(page: Page, nickname: str) -> Locator:
    return page.get_by_test_id("chat-tab").filter(has_text=nickname)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_console_end_to_end(make_page: MakePage, server: ThreadServer, db: Database,
                                  store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="suzuki", name="鈴木 花子")
    async with http_client(base_url=server.url) as admin_http:
        r = await admin_http.post("/api/auth/login",
                                  json={"login_id": store.admin_login, "password": PASSWORD})
        admin_http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        await admin_http.post("/api/canned-responses", json={
            "scope": "store", "shortcut": "hours", "title": "営業時間",
            "text": "営業時間は10時から19時までです。"})
        await admin_http.post("/api/canned-responses", json={
            "shortcut": "thanks", "title": "お礼", "text": "お問い合わせありがとうございます。"})

    page = await make_page()
    await page.goto(f"{server.url}/console/")
    await expect(page.get_by_test_id("login-id")).to_be_visible()
    await screenshot(page, "console-login")
    await console_login(page, server, store.admin_login)
    await expect(page.get_by_test_id("own-status")).to_have_attribute("data-status", "waiting")
    await expect(page.get_by_test_id("status-store")).to_have_text("茶房みどり")
    await screenshot(page, "console-empty")

    other = await make_page()
    await console_login(other, server, "suzuki")

    # Three guests arrive; the waiting list shows them live (S6).
    yamada = await arriving_guest(server, store, "やまだ")
    suzuki_guest = await arriving_guest(server, store, "すずき")
    tanaka = await arriving_guest(server, store, "たなか")
    waiting = page.get_by_test_id("waiting-guest")
    await expect(waiting).to_have_count(3, timeout=WAIT)
    await expect(page.get_by_test_id("waiting-count")).to_have_text("3")
    await screenshot(page, "console-waiting")

    # The staff member takes all three (S7); each becomes a tab.
    # Each row is gone before the next click: a click aims at where a row is, and a list
    # still shifting up under it would hand it to another guest.
    for left, name in enumerate(("やまだ", "すずき", "たなか"), start=1):
        await waiting.filter(has_text=name).click()
        await expect(tab(page, name)).to_be_visible(timeout=WAIT)
        await expect(waiting).to_have_count(3 - left, timeout=WAIT)
    await expect(page.get_by_test_id("own-status")).to_have_attribute("data-status", "chatting")
    for guest in (yamada, suzuki_guest, tanaka):
        await guest.expect("conversation", lambda f: f["status"] == "active")

    # A message to an unselected tab shows a badge; Alt+1 switches to it.
    await tab(page, "たなか").click()
    await yamada.say("こんにちは。抹茶のセットについて質問です。")
    await expect(tab(page, "やまだ").get_by_test_id("unread-badge")).to_have_text("1",
                                                                                timeout=WAIT)
    await page.keyboard.press("Alt+1")
    await expect(tab(page, "やまだ")).to_have_attribute("aria-selected", "true")
    await expect(tab(page, "やまだ").get_by_test_id("unread-badge")).to_have_count(0)
    await yamada.expect("read")

    # S4.1: the guest's draft appears live.
    await yamada.send({"type": "typing", "text": "送料はいくらですか"})
    await expect(page.get_by_test_id("guest-draft")).to_contain_text("送料はいくらですか",
                                                                     timeout=WAIT)
    # Each chat keeps its own draft.
    box = page.get_by_test_id("message-input")
    await page.keyboard.press("Alt+3")
    await box.fill("たなかさんへの書きかけ")
    await page.keyboard.press("Alt+1")
    await expect(box).to_have_value("")
    await page.keyboard.press("Alt+3")
    await expect(box).to_have_value("たなかさんへの書きかけ")
    await page.keyboard.press("Alt+1")
    await screenshot(page, "console-chat")

    # Text, with Enter; Shift+Enter makes a new line.
    await box.fill("いらっしゃいませ。")
    await box.press("Shift+Enter")
    await box.type("ご質問をどうぞ。")
    await box.press("Enter")
    got = await yamada.expect("message", lambda f: f["author"] == "staff" and f["kind"] == "text")
    assert got["text"] == "いらっしゃいませ。\nご質問をどうぞ。"
    await expect(box).to_have_value("")

    # A stamp from the palette (S4.4).
    await page.get_by_test_id("stamp-button").click()
    await expect(page.get_by_test_id("stamp-palette")).to_be_visible()
    await screenshot(page, "console-stamps")
    await page.locator("[data-stamp='thanks']").click()
    stamp = await yamada.expect("message", lambda f: f["kind"] == "stamp")
    assert stamp["stamp"] == "thanks"

    # A canned response found by typing /shortcut (S8), and the list.
    await page.get_by_test_id("canned-button").click()
    await expect(page.get_by_test_id("canned-item")).to_have_count(2)
    await screenshot(page, "console-canned")
    await page.get_by_test_id("canned-button").click()
    await box.type("/hou")
    await expect(page.get_by_test_id("slash-suggestions")).to_contain_text("営業時間")
    await screenshot(page, "console-canned-slash")
    await box.press("Enter")
    await expect(box).to_have_value("営業時間は10時から19時までです。")
    await box.press("Enter")
    canned = await yamada.expect("message", lambda f: f["text"].startswith("営業時間は"))
    assert canned["author"] == "staff"

    # A file with the progress bar; the guest downloads it (S5.1).
    upload: FilePayload = {"name": "地図.png", "mimeType": "image/png", "buffer": png_bytes()}
    await page.get_by_test_id("file-input").set_input_files(files=[upload])
    file_message = await yamada.expect("message", lambda f: f["kind"] == "file")
    await expect(page.get_by_test_id("file-link")).to_contain_text("地図.png", timeout=WAIT)
    async with http_client(base_url=server.url) as guest_http:
        download = await guest_http.get(file_message["file"]["url"])
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(download.content)).size == (64, 48)
    await yamada.send({"type": "read", "conversation_id": got["conversation_id"],
                       "seq": file_message["seq"]})
    await expect(page.get_by_test_id("read-mark").first).to_be_visible(timeout=WAIT)
    await screenshot(page, "console-timeline")

    # User information: personal fields, a postal code fills in the address (S3.1, issue 16).
    await page.get_by_test_id("field-name").fill("山田 太郎")
    await page.get_by_test_id("field-email").fill("taro@example.jp")
    await page.get_by_test_id("field-postal_code").fill("１００－０００１")
    await expect(page.get_by_test_id("field-address")).to_have_value("東京都千代田区千代田",
                                                                     timeout=WAIT)
    await page.get_by_test_id("field-address").fill("東京都千代田区千代田1-1")
    await page.get_by_test_id("save-personal").click()
    await expect(page.get_by_test_id("save-personal-result")).to_have_text(re.compile("保存"))
    await expect(page.get_by_test_id("field-postal_code")).to_have_value("100-0001")
    await expect(page.get_by_test_id("field-email")).to_have_value("taro@example.jp")
    await screenshot(page, "console-info-personal")
    await page.get_by_test_id("info-tab-history").click()
    await expect(page.get_by_test_id("pageview")).to_have_count(2, timeout=WAIT)
    await expect(page.get_by_test_id("referrer")).to_contain_text("search.example")
    await screenshot(page, "console-info-history")
    await page.get_by_test_id("info-tab-other").click()
    await page.get_by_test_id("notes").fill("抹茶セットに関心あり。")
    await page.get_by_test_id("save-other").click()
    await expect(page.get_by_test_id("save-other-result")).to_have_text(re.compile("保存"))
    await screenshot(page, "console-info-other")

    # Staff list with loads (S5.3).
    await page.get_by_test_id("staff-list-button").click()
    await expect(page.get_by_test_id("staff-dialog")).to_contain_text("鈴木 花子")
    await screenshot(page, "console-staff-list")
    await page.keyboard.press("Escape")

    # Transfer すずき to the other staff member (S5.2).
    await tab(page, "すずき").click()
    await page.get_by_test_id("transfer-button").click()
    await expect(page.get_by_test_id("transfer-target")).to_have_count(1)
    await screenshot(page, "console-transfer")
    await page.get_by_test_id("transfer-target").click()
    await expect(tab(page, "すずき")).to_have_count(0, timeout=WAIT)
    await expect(tab(other, "すずき")).to_be_visible(timeout=WAIT)
    await suzuki_guest.expect("conversation", lambda f: f["status"] == "active"
                              and f["staff"]["name"] == "鈴木 花子")
    await expect(other.get_by_test_id("timeline")).to_contain_text("転送", timeout=WAIT)
    await screenshot(other, "console-second-staff")

    # Blacklist たなか: saving cuts the guest off at once (S3.2, G5).
    await tab(page, "たなか").click()
    await page.get_by_test_id("info-tab-other").click()
    await page.get_by_test_id("blacklist").check()
    await page.get_by_test_id("save-other").click()
    await tanaka.expect("conversation", lambda f: f["status"] == "ended")
    await tanaka.expect("availability", lambda f: f["status"] == "away")
    await expect(page.get_by_test_id("chat-ended")).to_be_visible(timeout=WAIT)
    await screenshot(page, "console-blacklisted")
    await page.get_by_test_id("end-button").click()  # closes the ended tab
    await expect(tab(page, "たなか")).to_have_count(0)

    # Return to waiting with やまだ (S5.4).
    await tab(page, "やまだ").click()
    await page.get_by_test_id("end-button").click()
    await yamada.expect("conversation", lambda f: f["status"] == "ended")
    await expect(page.get_by_test_id("no-chat")).to_be_visible(timeout=WAIT)
    await expect(page.get_by_test_id("own-status")).to_have_attribute("data-status", "waiting")
    token = yamada.token
    await yamada.close()

    # The guest list (W1) and an offline reply with an e-mail notice (M1, M2).
    await page.get_by_test_id("guest-list-button").click()
    await expect(page.get_by_test_id("own-status")).to_have_attribute("data-status", "replying")
    rows = page.get_by_test_id("guest-row")
    await expect(rows).to_have_count(3, timeout=WAIT)
    await expect(rows.filter(has_text="たなか")).to_contain_text("ブラックリスト")
    await screenshot(page, "console-guest-list")
    await page.get_by_test_id("guest-search").fill("ヤマダ")
    await page.get_by_test_id("guest-search").press("Enter")
    await expect(rows).to_have_count(1, timeout=WAIT)
    await rows.get_by_role("button").click()
    await expect(page.get_by_test_id("guest-view")).to_be_visible()
    await page.get_by_test_id("offline-text").fill("先日はありがとうございました。送料は無料です。")
    await page.get_by_test_id("offline-notify").check()
    await page.get_by_test_id("offline-send").click()
    await expect(page.get_by_test_id("notice").filter(has_text="メール")).to_be_visible(
        timeout=WAIT)
    await expect(page.get_by_test_id("guest-view").get_by_test_id("timeline")).to_contain_text(
        "送料は無料です", timeout=WAIT)
    await screenshot(page, "console-guest-view")
    # The notice stays over the waiting column: the form's controls stay uncovered.
    notice = await page.get_by_test_id("notices").bounding_box()
    assert notice is not None
    for control in ("offline-notify", "offline-send", "offline-text"):
        box = await page.get_by_test_id(control).bounding_box()
        assert box is not None
        assert notice["x"] + notice["width"] <= box["x"] or box["y"] + box["height"] <= notice["y"]
    await page.get_by_test_id("guest-back").click()
    await page.get_by_test_id("guest-search").fill("")
    await page.get_by_test_id("guest-search").press("Enter")
    await expect(rows.filter(has_text="やまだ").get_by_test_id("sent-to-guest")).to_contain_text(
        "未読", timeout=WAIT)
    await screenshot(page, "console-guest-list-replied")
    await page.keyboard.press("Escape")

    # The guest's next visit shows the reply as unread (G7).
    back = await Guest.connect(server.ws_url, store.widget_key, token=token)
    assert back.welcome["unread"] >= 1
    reply = await back.expect("message", lambda f: "送料は無料" in f["text"])
    assert reply["author"] == "staff"

    # Canned responses are managed from the console too.
    await page.get_by_test_id("waiting-list").scroll_into_view_if_needed()
    await tab(other, "すずき").click()
    await other.get_by_test_id("canned-button").click()
    await other.get_by_test_id("canned-manage").click()
    await other.get_by_test_id("canned-title").fill("お待たせ")
    await other.get_by_test_id("canned-shortcut").fill("wait")
    await other.get_by_test_id("canned-text").fill("お待たせいたしました。")
    await other.get_by_test_id("canned-save").click()
    await expect(other.get_by_test_id("canned-dialog")).to_contain_text("お待たせいたしました。")
    await screenshot(other, "console-canned-manage")
    await other.keyboard.press("Escape")

    # English UI.
    await other.get_by_test_id("lang-switch").locator("[data-lang='en']").click()
    await expect(other.get_by_test_id("own-status")).to_have_text("Chatting")
    await screenshot(other, "console-english")

    for ws in (back, suzuki_guest, tanaka):
        await ws.close()


async def test_lost_claim_is_explained(make_page: MakePage, server: ThreadServer, db: Database,
                                       store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="rival", name="競合 次郎")
    page = await make_page()
    hold_queue = {"on": False}

    async def staff_socket(ws: WebSocketRoute) -> None:
        server_side = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            # While "on", the console misses queue updates: its list goes stale, as in a race.
            if hold_queue["on"] and isinstance(message, str) and '"type": "queue"' in message:
                return
            ws.send(message)

        server_side.on_message(from_server)

    await page.route_web_socket(re.compile(r".*/ws/staff$"), staff_socket)
    await console_login(page, server, store.admin_login)
    guest = await arriving_guest(server, store, "はやい")
    row = page.get_by_test_id("waiting-guest")
    await expect(row).to_have_count(1, timeout=WAIT)
    conversation_id = await row.get_attribute("data-conversation")
    assert conversation_id
    hold_queue["on"] = True
    rival = await Staff.connect(server.url, server.ws_url, "rival")
    await rival.claim(conversation_id)
    await row.click()
    await expect(page.get_by_test_id("notice")).to_contain_text("ほかの担当者", timeout=WAIT)
    await expect(page.get_by_test_id("no-chat")).to_be_visible()
    await screenshot(page, "console-claim-lost")
    await guest.close()
    await rival.close()


async def test_reconnect_resumes_without_loss_or_repeats(make_page: MakePage, server: ThreadServer,
                                                          store: StoreInfo) -> None:
    page = await make_page()
    hellos: list[dict[str, object]] = []
    state: dict[str, object] = {"block": False, "route": None}

    async def staff_socket(ws: WebSocketRoute) -> None:
        if state["block"]:
            await ws.close(code=1012, reason="test: server away")
            return
        server_side = ws.connect_to_server()
        state["route"] = (ws, server_side)

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"hello"' in message:
                hellos.append(json.loads(message))
            server_side.send(message)

        ws.on_message(from_page)

    await page.route_web_socket(re.compile(r".*/ws/staff$"), staff_socket)
    await console_login(page, server, store.admin_login)
    guest = await arriving_guest(server, store, "つながり")
    await page.get_by_test_id("waiting-guest").click()
    await expect(tab(page, "つながり")).to_be_visible(timeout=WAIT)
    first = await guest.say("一通目")
    timeline = page.get_by_test_id("timeline")
    await expect(timeline).to_contain_text("一通目", timeout=WAIT)

    # The connection drops and stays down while the guest keeps writing.
    state["block"] = True
    route = state["route"]
    assert isinstance(route, tuple)
    await route[1].close()
    await route[0].close(code=1012)
    await expect(page.get_by_test_id("connection")).to_have_attribute(
        "data-state", "reconnecting", timeout=WAIT)
    await screenshot(page, "console-reconnecting")
    # The dot pulses while reconnecting, unless the system asks for less motion.
    dot_animation = ("getComputedStyle(document.querySelector("
                     "'[data-testid=connection] .conn__dot')).animationName")
    assert await page.evaluate(dot_animation) == "pulse"
    await page.emulate_media(reduced_motion="reduce")
    assert await page.evaluate(dot_animation) == "none"
    await guest.say("二通目")
    await guest.say("三通目")
    state["block"] = False
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open",
                                                                       timeout=20_000)
    await expect(timeline).to_contain_text("三通目", timeout=WAIT)
    # The hello asked for everything after the last seq seen; nothing came twice.
    assert hellos[-1]["resume"] == {first["conversation_id"]: first["seq"]}
    bubbles = page.get_by_test_id("message-guest")
    await expect(bubbles).to_have_count(3)
    for text in ("一通目", "二通目", "三通目"):
        await expect(bubbles.filter(has_text=text)).to_have_count(1)
    await guest.close()


async def test_changes_by_another_staff_member_appear_live(make_page: MakePage,
                                                           server: ThreadServer,
                                                           store: StoreInfo) -> None:
    page = await make_page()
    await console_login(page, server, store.admin_login)
    guest = await arriving_guest(server, store, "ライブ")
    await page.get_by_test_id("waiting-guest").click()
    await expect(tab(page, "ライブ")).to_be_visible(timeout=WAIT)
    await page.get_by_test_id("info-tab-other").click()
    await expect(page.get_by_test_id("notes")).to_have_value("")
    # Someone else saves a note and a phone number over HTTP: the open panel follows (S3).
    async with http_client(base_url=server.url) as colleague:
        r = await colleague.post("/api/auth/login",
                                 json={"login_id": store.admin_login, "password": PASSWORD})
        colleague.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        r = await colleague.patch(f"/api/guests/{guest.guest_id}",
                                  json={"notes": "電話で問い合わせ済み",
                                        "profile": {"phone": "０３－１２３４－５６７８"}})
        assert r.status_code == 200
    await expect(page.get_by_test_id("notes")).to_have_value("電話で問い合わせ済み",
                                                            timeout=WAIT)
    await page.get_by_test_id("info-tab-personal").click()
    await expect(page.get_by_test_id("field-phone")).to_have_value("03-1234-5678")
    await guest.close()
