"""The guest widget in real Chromium, on the demo shop served from another origin (G1–G10)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.async_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from chats.db.engine import Database
from tests.e2e.conftest import DESKTOP, PHONE, AppThread, MakePage, Shop, screenshot
from tests.e2e.widget_page import StaffMember, Widget, staff_http
from tests.factories import create_staff
from tests.realtime.clients import Guest
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e


async def shop_page(make_page: MakePage, shop: Shop, *, phone: bool = False,
                    path: str = "/") -> tuple[Page, Widget]:
    page = await make_page(viewport=PHONE if phone else DESKTOP)
    await page.goto(shop.url + path)
    widget = Widget(page)
    await expect(widget.button).to_be_visible()
    return page, widget


async def test_button_follows_away_waiting_busy(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    await create_staff(db, store_id=shop.store.store_id, login_id="g1-agent", name="担当 一郎",
                       max_chats=1)
    page, widget = await shop_page(make_page, shop)
    await widget.expect_status("away")
    await screenshot(page, "widget-button-away-desktop")

    staff = await StaffMember.connect(server, "g1-agent")
    try:
        await widget.recheck_until("waiting")
        await screenshot(page, "widget-button-waiting-desktop")

        # another guest takes the only slot: every slot is taken
        other = await Guest.connect(server.ws_url, shop.store.widget_key)
        conversation = await other.start("先客")
        await staff.socket.claim(conversation["id"])
        await widget.recheck_until("busy")
        await screenshot(page, "widget-button-busy-desktop")
        await other.close()
    finally:
        await staff.close()


async def test_guest_chats_with_staff(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    await create_staff(db, store_id=shop.store.store_id, login_id="g2-agent", name="担当 一郎")
    staff = await StaffMember.connect(server, "g2-agent")
    try:
        page, widget = await shop_page(make_page, shop)
        await widget.recheck_until("waiting")
        await widget.open()
        await expect(widget.testid("entry-form")).to_be_visible()
        await screenshot(page, "widget-form-desktop")

        await widget.start_chat("山田")
        conversation_id = await staff.waiting_conversation("山田")
        await expect(widget.testid("queue")).to_be_visible()
        await screenshot(page, "widget-queue-desktop")

        await staff.socket.claim(conversation_id)
        await expect(widget.testid("staff-name")).to_contain_text("担当 一郎")
        totals = await stats_today(server, shop)
        assert (totals["forms_shown"], totals["forms_executed"]) == (1, 1)

        await widget.type_and_enter("抹茶セットの在庫はありますか？")
        assert await staff.guest_texts(conversation_id, 1) == ["抹茶セットの在庫はありますか？"]

        await staff.send(conversation_id, kind="text", text="はい、ございます。")
        await staff.send(conversation_id, kind="stamp", stamp="thanks")
        await staff.upload(conversation_id, "カタログ.pdf", b"%PDF-1.4\n%test\n")
        await expect(widget.testid("stamp")).to_be_visible()
        link = widget.testid("file-link")
        await expect(link).to_contain_text("カタログ.pdf")
        assert (await link.get_attribute("download")) == "カタログ.pdf"
        await staff.socket.send({"type": "typing", "conversation_id": conversation_id,
                                 "active": True})
        await expect(widget.testid("staff-typing")).to_be_visible()
        last_seq = max(f["seq"] for f in staff.socket.messages(conversation_id))
        await staff.socket.send({"type": "read", "conversation_id": conversation_id,
                                 "seq": last_seq})
        await expect(widget.testid("read-mark").first).to_be_visible()
        await screenshot(page, "widget-chat-desktop")
    finally:
        await staff.close()


async def stats_today(server: ThreadServer, shop: Shop) -> dict[str, Any]:
    """Today's totals of the access statistics (A5), read by the store's admin."""
    http, _csrf = await staff_http(server, shop.store.admin_login)
    try:
        # The store counts its own calendar days: ask which zone, then for its today.
        utc_today = datetime.now(UTC).date().isoformat()
        r = await http.get("/api/stats", params={"from": utc_today, "to": utc_today})
        assert r.status_code == 200, r.text
        today = datetime.now(ZoneInfo(r.json()["time_zone"])).date().isoformat()
        r = await http.get("/api/stats", params={"from": today, "to": today})
        assert r.status_code == 200, r.text
        totals: dict[str, Any] = r.json()["totals"]
        return totals
    finally:
        await http.aclose()


async def open_chat(make_page: MakePage, shop: Shop, staff: StaffMember, nickname: str, *,
                    phone: bool = False) -> tuple[Page, Widget, str]:
    """A guest on the shop page whose chat `staff` has claimed."""
    page, widget = await shop_page(make_page, shop, phone=phone)
    await widget.recheck_until("waiting")
    await widget.open()
    await widget.start_chat(nickname)
    conversation_id = await staff.waiting_conversation(nickname)
    await staff.socket.claim(conversation_id)
    await expect(widget.testid("staff-name")).to_be_visible()
    return page, widget, conversation_id


async def test_japanese_ime_never_sends_early(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    await create_staff(db, store_id=shop.store.store_id, login_id="g8-agent")
    staff = await StaffMember.connect(server, "g8-agent")
    try:
        page, widget, conversation_id = await open_chat(make_page, shop, staff, "佐藤")
        composer = widget.testid("composer")
        await composer.click()
        frame = next(f for f in page.frames if "/widget/panel" in f.url)
        await frame.evaluate("""() => {
            window.__keys = [];
            document.addEventListener('keydown', (e) => window.__keys.push(
                {key: e.key, keyCode: e.keyCode, isComposing: e.isComposing}), true);
        }""")

        # Chrome's way: the Enter that confirms the kanji arrives while composing.
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Input.imeSetComposition",
                       {"text": "にほんご", "selectionStart": 4, "selectionEnd": 4})
        await cdp.send("Input.imeSetComposition",
                       {"text": "日本語", "selectionStart": 3, "selectionEnd": 3})
        await cdp.send("Input.dispatchKeyEvent", {
            "type": "rawKeyDown", "key": "Enter", "code": "Enter",
            "windowsVirtualKeyCode": 229, "nativeVirtualKeyCode": 229})
        await cdp.send("Input.insertText", {"text": "日本語"})  # commits: compositionend
        await cdp.send("Input.dispatchKeyEvent", {
            "type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})
        keys = await frame.evaluate("window.__keys")
        assert any(k["key"] in ("Enter", "Process") and (k["isComposing"] or k["keyCode"] == 229)
                   for k in keys), keys
        await expect(composer).to_have_value("日本語")

        # Safari's way: compositionend first, then an Enter that no longer says composing.
        await frame.evaluate("""() => {
            const el = document.querySelector('[data-testid=composer]');
            el.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
            el.dispatchEvent(new CompositionEvent('compositionend', {data: 'です'}));
            el.value = el.value + 'です';
            el.dispatchEvent(new InputEvent('input', {bubbles: true}));
            el.dispatchEvent(new KeyboardEvent('keydown',
                {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true}));
        }""")
        await expect(composer).to_have_value("日本語です")
        await expect(widget.in_panel("[data-testid=message-pending]")).to_have_count(0)

        await page.wait_for_timeout(150)  # past the compositionend grace: a deliberate Enter
        await composer.press("Shift+Enter")
        await composer.press_sequentially("OK")
        await composer.press("Enter")
        assert await staff.guest_texts(conversation_id, 1) == ["日本語です\nOK"]
        await expect(composer).to_have_value("")
    finally:
        await staff.close()


async def test_messages_typed_offline_arrive_once_in_order(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    await create_staff(db, store_id=shop.store.store_id, login_id="g10-agent")
    staff = await StaffMember.connect(server, "g10-agent")
    try:
        page, widget, conversation_id = await open_chat(make_page, shop, staff, "田中")
        await widget.type_and_enter("接続中に送信")
        assert await staff.guest_texts(conversation_id, 1) == ["接続中に送信"]
        # Its ack reached the widget too (the staff member may see it first).
        await expect(widget.testid("message-pending")).to_have_count(0)

        await page.context.set_offline(True)
        connection = widget.testid("connection")
        await expect(connection).to_have_attribute("data-state", "offline")
        offline = ["オフライン1", "オフライン2", "オフライン3"]
        for text in offline:
            await widget.type_and_enter(text)
        await expect(widget.testid("message-pending")).to_have_count(3)
        await screenshot(page, "widget-offline-desktop")

        await page.context.set_offline(False)
        await expect(connection).to_have_attribute("data-state", "ok", timeout=20_000)
        expected = ["接続中に送信", *offline]
        assert await staff.guest_texts(conversation_id, 4) == expected
        await expect(widget.testid("message-pending")).to_have_count(0)

        # A second cut and a reload: nothing is sent again, nothing reordered.
        await page.context.set_offline(True)
        await expect(connection).to_have_attribute("data-state", "offline")
        await page.context.set_offline(False)
        await expect(connection).to_have_attribute("data-state", "ok", timeout=20_000)
        await page.reload()
        await widget.open()
        await staff.send(conversation_id, kind="text", text="全部届きました")
        last_staff = widget.in_panel("li[data-author=staff]").last
        await expect(last_staff).to_contain_text("全部届きました")
        assert await widget.sent_texts() == expected
        arrived = staff.socket.messages(conversation_id)
        assert [f["text"] for f in arrived if f["author"] == "guest"] == expected
    finally:
        await staff.close()


async def test_leave_a_message_when_away_and_read_the_reply(
    make_page: MakePage, shop: Shop, server: ThreadServer
) -> None:
    page, widget = await shop_page(make_page, shop)
    await widget.expect_status("away")
    await widget.open()
    form = widget.testid("leave-form")
    await expect(form).to_be_visible()
    await screenshot(page, "widget-leave-desktop")
    await widget.panel.get_by_label("お名前").fill("鈴木")
    await widget.panel.get_by_label("メールアドレス").fill("suzuki@example.jp")
    await widget.panel.get_by_label("お問い合わせ内容").fill("湯のみの色違いはありますか？")
    await widget.testid("leave-submit").click()
    await expect(widget.testid("left")).to_be_visible()
    await screenshot(page, "widget-left-desktop")

    # The staff member sees it as unread (有) and replies while the guest is away (M1).
    http, csrf = await staff_http(server, shop.store.admin_login)
    try:
        guests = (await http.get("/api/guests")).json()["guests"]
        guest = next(g for g in guests if g["nickname"] == "鈴木")
        assert guest["unread_for_staff"] is True
        r = await http.post(f"/api/guests/{guest['id']}/messages",
                            json={"text": "ございます。白と藍の2色です。"},
                            headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text

        # Next page view: the badge shows the reply; opening the panel shows and reads it (G7).
        await page.goto(shop.url + "/products/cup")
        await expect(widget.badge).to_have_text("1")
        await screenshot(page, "widget-unread-badge-desktop")
        await widget.open()
        reply = widget.in_panel("li[data-author=staff]")
        await expect(reply).to_contain_text("白と藍の2色です")
        await expect(widget.badge).to_be_hidden()
        await screenshot(page, "widget-offline-reply-desktop")
        guests = (await http.get("/api/guests")).json()["guests"]
        guest = next(g for g in guests if g["nickname"] == "鈴木")
        assert guest["unread_by_guest"] == 0
    finally:
        await http.aclose()


async def test_blacklisted_guest_sees_away_and_cannot_chat(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    await create_staff(db, store_id=shop.store.store_id, login_id="g5-agent")
    staff = await StaffMember.connect(server, "g5-agent")
    try:
        page, widget, _conversation_id = await open_chat(make_page, shop, staff, "迷惑")
        guests = (await staff.http.get("/api/guests")).json()["guests"]
        guest = next(g for g in guests if g["nickname"] == "迷惑")
        r = await staff.http.patch(f"/api/guests/{guest['id']}", json={"blacklisted": True},
                                   headers={"X-CSRF-Token": staff.csrf})
        assert r.status_code == 200, r.text
        # Cut off at once: the panel closes (no new chat, no message form the server would
        # refuse) and the button, kept current by the panel, says away (issue 14.4).
        await expect(widget.testid("closed")).to_be_visible()
        await expect(widget.testid("new-chat")).to_have_count(0)
        await expect(widget.testid("leave-submit")).to_have_count(0)
        # Plain away: the built-in button without "メッセージを残す" (no form is offered).
        await widget.expect_status("closed")
        await expect(widget.button).to_have_attribute("aria-label", "離席中")

        await page.reload()
        await widget.expect_status("closed")
        await expect(widget.button).to_have_attribute("aria-label", "離席中")
        await widget.open()
        await expect(widget.testid("closed")).to_be_visible()
        await expect(widget.testid("entry-form")).to_have_count(0)
        await expect(widget.testid("leave-submit")).to_have_count(0)
        await screenshot(page, "widget-blacklisted-desktop")
        detail = (await staff.http.get("/api/guests")).json()["guests"]
        assert next(g for g in detail if g["id"] == guest["id"])["conversations"] == 1
    finally:
        await staff.close()


HOSTILE_CSS = """
* { font-family: serif !important; margin: 7px !important; box-sizing: content-box !important; }
div, span, button, img, iframe { padding: 13px !important; border: 4px solid red !important;
  background: yellow !important; color: lime !important; position: static !important; }
:root { --chats-b: 999px; }
"""

SNAPSHOT_JS = """() => {
    const pick = ['display', 'position', 'margin-top', 'margin-bottom', 'padding-top',
                  'font-family', 'font-size', 'color', 'background-color', 'overflow',
                  'width', 'height', 'line-height'];
    const els = [document.documentElement, document.body, ...document.body.querySelectorAll(
        'header, h1, nav, a, main, p, .grid, .card, .img, h3, .price, footer')];
    return {
        globals: Object.keys(window).sort(),
        sheets: document.styleSheets.length,
        adopted: document.adoptedStyleSheets.length,
        headChildren: document.head.children.length,
        bodyClass: document.body.className + '|' + document.documentElement.className,
        inlineStyles: [document.documentElement, document.body].map((e) => e.getAttribute('style')),
        elements: els.map((e) => {
            const cs = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            return [e.tagName, ...pick.map((p) => cs.getPropertyValue(p)), r.x, r.y, r.width,
                    r.height];
        }),
        scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    };
}"""


async def test_loader_leaves_host_globals_and_styles_alone(
    make_page: MakePage, shop: Shop
) -> None:
    page = await make_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.route("**/widget.js", lambda route: route.abort())
    await page.goto(shop.url)
    before = await page.evaluate(SNAPSHOT_JS)

    await page.unroute("**/widget.js")
    await page.evaluate("""() => {
        const old = document.querySelector('script[data-store]');
        const s = document.createElement('script');
        s.src = old.src; s.dataset.store = old.dataset.store; s.async = true;
        old.remove();
        document.body.append(s);
    }""")
    widget = Widget(page)
    await expect(widget.button).to_be_visible()
    await widget.expect_status("away")
    # the script element we swapped in is the page's own doing; compare everything else
    after = await page.evaluate(SNAPSHOT_JS)
    assert sorted(set(after["globals"]) - set(before["globals"])) == ["CHATS"]
    assert set(before["globals"]) <= set(after["globals"])
    for key in ("sheets", "adopted", "headChildren", "bodyClass", "inlineStyles", "elements",
                "scroll"):
        assert after[key] == before[key], key

    # the panel (and its 20-odd KB) is fetched only when the guest opens the chat
    assert not [u for u in requested if "/widget/panel" in u or "/static/assets/" in u]
    await widget.open()
    assert any("/widget/panel" in u for u in requested)
    opened = await page.evaluate(SNAPSHOT_JS)
    for key in ("sheets", "adopted", "headChildren", "bodyClass", "inlineStyles", "elements",
                "scroll"):
        assert opened[key] == before[key], key
    # an iframe adds an indexed window (window[0]), nothing named
    assert [g for g in set(opened["globals"]) - set(before["globals"]) if not g.isdigit()] == [
        "CHATS"]

    # Nor does the host page's CSS get in: hostile rules leave the button and panel as drawn.
    await page.add_style_tag(content=HOSTILE_CSS)
    box = await widget.button.bounding_box()
    assert box is not None
    assert (round(box["width"]), round(box["height"])) == (100, 120)
    assert round(box["x"] + box["width"]) == DESKTOP["width"] - 16
    frame_box = await page.locator("chats-widget iframe").bounding_box()
    assert frame_box is not None
    assert (round(frame_box["width"]), round(frame_box["height"])) == (380, 600)
    style = await widget.button.evaluate(
        "(b) => { const c = getComputedStyle(b); return [c.backgroundColor, c.paddingTop,"
        " c.borderTopWidth, c.position]; }")
    assert style == ["rgba(0, 0, 0, 0)", "0px", "0px", "fixed"]
    await screenshot(page, "widget-hostile-css-desktop")


async def test_phone_panel_is_full_screen(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    page, widget = await shop_page(make_page, shop, phone=True)
    await widget.expect_status("away")
    await screenshot(page, "widget-button-away-phone")
    await widget.open()
    await expect(widget.testid("leave-form")).to_be_visible()
    box = await page.locator("chats-widget iframe").bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    await expect(widget.button).to_be_hidden()
    await screenshot(page, "widget-leave-phone")
    await widget.testid("guest-close").click()
    await expect(widget.button).to_be_visible()
    await expect(widget.button).to_be_focused()

    await create_staff(db, store_id=shop.store.store_id, login_id="g9-agent", name="担当 花子")
    staff = await StaffMember.connect(server, "g9-agent")
    try:
        page, widget = await shop_page(make_page, shop, phone=True)
        await widget.recheck_until("waiting")
        await screenshot(page, "widget-button-waiting-phone")
        await widget.open()
        await expect(widget.testid("entry-form")).to_be_visible()
        await screenshot(page, "widget-form-phone")
        await widget.start_chat("高橋")
        conversation_id = await staff.waiting_conversation("高橋")
        await expect(widget.testid("queue-position")).to_contain_text("1")
        await screenshot(page, "widget-queue-phone")
        await staff.socket.claim(conversation_id)
        await widget.type_and_enter("スマホから失礼します。\n送料はいくらですか？")
        await staff.guest_texts(conversation_id, 1)
        await staff.send(conversation_id, kind="text", text="全国一律 600 円です。")
        await staff.send(conversation_id, kind="stamp", stamp="thanks")
        await staff.upload(conversation_id, "送料表.pdf", b"%PDF-1.4\n")
        await expect(widget.testid("file-link")).to_be_visible()
        await screenshot(page, "widget-chat-phone")

        # keyboard: the panel can be used and left without a mouse
        await widget.testid("composer").focus()
        await page.keyboard.press("Escape")
        await expect(widget.button).to_be_visible()
        await expect(widget.button).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(widget.testid("composer")).to_be_visible()

        await widget.testid("end").click()
        await widget.testid("end-confirm").click()
        await expect(widget.testid("ended")).to_be_visible()
        await screenshot(page, "widget-ended-phone")
    finally:
        await staff.close()


def png(width: int, height: int, colour: str) -> bytes:
    """A plain PNG drawn with Pillow."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


async def test_store_colours_logo_and_pre_chat_fields(
    make_page: MakePage, shop: Shop, server: ThreadServer, db: Database
) -> None:
    http, csrf = await staff_http(server, shop.store.admin_login)
    headers = {"X-CSRF-Token": csrf}
    try:
        theme = {"header_bg": "#3d5a3a", "header_fg": "#ffffff", "guest_bubble_bg": "#fff4d6",
                 "guest_bubble_fg": "#3b2a00", "staff_bubble_bg": "#eef3ea",
                 "staff_bubble_fg": "#1f2d1c"}
        assert (await http.patch("/api/admin/theme", json=theme, headers=headers)).is_success
        r = await http.put("/api/admin/logo", headers=headers,
                           files={"file": ("logo.png", png(240, 60, "#e8f0e4"), "image/png")})
        assert r.is_success, r.text
        r = await http.post("/api/admin/fields", headers=headers, json={
            "label": "ご用件", "type": "select", "options": ["商品について", "配送について"],
            "ask_before_chat": True, "required": True})
        assert r.status_code == 201, r.text
        field_key = r.json()["key"]

        await create_staff(db, store_id=shop.store.store_id, login_id="a3-agent")
        staff = await StaffMember.connect(server, "a3-agent")
        page, widget = await shop_page(make_page, shop)
        await widget.recheck_until("waiting")
        await widget.open()
        header = widget.in_panel(".guest__header")
        await expect(header).to_have_css("background-color", "rgb(61, 90, 58)")
        await expect(widget.in_panel("img.guest__logo")).to_be_visible()
        select = widget.panel.get_by_label("ご用件")
        await expect(select).to_be_visible()
        await screenshot(page, "widget-store-theme-form-desktop")

        # the required field is asked before the chat can start
        await widget.panel.get_by_label("ニックネーム").fill("伊藤")
        await widget.testid("start").click()
        await expect(widget.testid("entry-form")).to_be_visible()
        await select.select_option("配送について")
        await widget.testid("start").click()
        conversation_id = await staff.waiting_conversation("伊藤")
        await staff.socket.claim(conversation_id)
        await widget.type_and_enter("届く日を知りたいです")
        await staff.guest_texts(conversation_id, 1)
        await staff.send(conversation_id, kind="text", text="明後日のお届けです。")
        bubble = widget.in_panel("li[data-author=guest] .bubble").first
        await expect(bubble).to_have_css("background-color", "rgb(255, 244, 214)")
        await screenshot(page, "widget-store-theme-chat-desktop")
        guests = (await http.get("/api/guests")).json()["guests"]
        guest = next(g for g in guests if g["nickname"] == "伊藤")
        detail = (await http.get(f"/api/guests/{guest['id']}")).json()
        assert field_key in str(detail) and "配送について" in str(detail)

        # the admin changes a colour: the open panel follows without a reload
        r = await http.patch("/api/admin/theme", json={"header_bg": "#7a1f3d"}, headers=headers)
        assert r.is_success, r.text
        await expect(header).to_have_css("background-color", "rgb(122, 31, 61)")
        await staff.close()
    finally:
        await http.aclose()


ENGLISH_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Midori Tea House</title></head>
<body><h1>Midori Tea House</h1><p>Questions? Chat with us.</p>
<script src="{server}/widget.js" data-store="{key}" async></script></body></html>"""


async def test_english_page_gets_the_english_widget(
    make_page: MakePage, shop: Shop
) -> None:
    html = ENGLISH_PAGE.format(server=shop.server_url, key=shop.store.widget_key)

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    site = AppThread(Starlette(routes=[Route("/", home)])).start()
    try:
        page = await make_page(locale="en-US")
        await page.goto(site.url)
        widget = Widget(page)
        await widget.expect_status("away")
        assert (await widget.button.get_attribute("aria-label") or "").startswith("Away")
        assert "/static/buttons/away.en.svg" in (
            await page.locator("chats-widget img").get_attribute("src") or "")
        await widget.open()
        await expect(widget.testid("leave-form")).to_contain_text("Leave a message and we will")
        await expect(widget.panel.get_by_label("Your message")).to_be_visible()
        await screenshot(page, "widget-leave-en-desktop")
    finally:
        site.stop()
