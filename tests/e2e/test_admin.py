"""An admin sets the store up in the admin menu; the widget's config follows (issue 6)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from chats.db.engine import Database
from chats.ids import utcnow
from tests.admin.pictures import logo, picture
from tests.e2e.conftest import DESKTOP, PHONE, MakePage, Shop, screenshot
from tests.factories import (
    PASSWORD,
    StoreInfo,
    create_guest,
    create_past_conversation,
    set_daily_stat,
)
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer, http_client

COLOURS = {"header_bg": "#3d5a3a", "header_fg": "#ffffff", "guest_bubble_bg": "#fff4d6",
           "guest_bubble_fg": "#3b2a00", "staff_bubble_bg": "#eef3ea", "staff_bubble_fg": "#1f2d1c"}


def image_file(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


async def log_in(page: Page, url: str, login_id: str) -> None:
    await page.goto(f"{url}/admin/")
    await page.get_by_test_id("login-id").fill(login_id)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("tab-staff")).to_have_attribute("aria-selected", "true")


async def add_agent(page: Page) -> None:
    await page.get_by_test_id("staff-add-login").fill("sato")
    await page.get_by_test_id("staff-add-name").fill("佐藤")
    await page.get_by_test_id("staff-add-password").fill(PASSWORD)
    await page.get_by_test_id("staff-add-max").select_option("2")
    await page.get_by_test_id("staff-add-submit").click()
    row = page.get_by_test_id("staff-row-sato")
    await expect(row.get_by_test_id("staff-max")).to_have_text("2")
    await screenshot(page, "admin-staff", full_page=True)


async def upload_buttons(page: Page, folder: Path) -> None:
    await page.get_by_test_id("tab-buttons").click()
    colours = {"away": "#9aa5b4", "waiting": "#1a7f37", "busy": "#b42318"}
    for status, colour in colours.items():
        path = image_file(folder, f"{status}.png", picture(100, 120, colour=colour))
        await page.get_by_test_id(f"button-file-{status}").set_input_files(path)
        image = page.get_by_test_id(f"button-img-{status}")
        await expect(image).to_have_attribute("data-own", "yes")
    wrong = image_file(folder, "wrong.png", picture(101, 120))
    await page.get_by_test_id("button-file-away").set_input_files(wrong)
    await expect(page.get_by_test_id("button-away-error")).to_have_text(
        "PNG画像（幅100px × 高さ120px）をアップロードしてください。送られた画像: 101×120 PNG")
    await screenshot(page, "admin-buttons", full_page=True)


async def edit_screen(page: Page, folder: Path) -> None:
    await page.get_by_test_id("tab-screen").click()
    await page.get_by_test_id("logo-file").set_input_files(
        image_file(folder, "logo.png", logo()))
    await expect(page.get_by_test_id("logo-img")).to_be_visible()
    for key, value in COLOURS.items():
        await page.get_by_test_id(f"colour-{key}").fill(value)
    await page.get_by_test_id("colour-staff_bubble_fg").fill("#c8d2c4")  # too pale first
    await expect(page.get_by_test_id("contrast-staff_bubble")).to_contain_text("WCAG AA")
    await expect(page.get_by_test_id("contrast-staff_bubble")).to_contain_text("下回って")
    await screenshot(page, "admin-screen-low-contrast", full_page=True)
    await page.get_by_test_id("colour-staff_bubble_fg").fill(COLOURS["staff_bubble_fg"])
    await expect(page.get_by_test_id("contrast-staff_bubble")).to_contain_text("満たしています")
    await page.get_by_test_id("colours-save").click()
    await expect(page.get_by_test_id("colours-done")).not_to_be_empty()
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "admin-screen", full_page=True)


async def add_field(page: Page) -> None:
    await page.get_by_test_id("tab-fields").click()
    await page.get_by_test_id("field-add-label").fill("ご注文番号")
    await page.get_by_test_id("field-add-ask").check()
    await page.get_by_test_id("field-add-required").check()
    await page.get_by_test_id("field-add-submit").click()
    await expect(page.get_by_test_id("field-field")).to_be_visible()
    await screenshot(page, "admin-fields", full_page=True)


async def add_canned_and_stamp(page: Page, folder: Path) -> None:
    await page.get_by_test_id("tab-canned").click()
    await page.get_by_test_id("canned-add-title").fill("営業時間のご案内")
    await page.get_by_test_id("canned-add-shortcut").fill("hours")
    await page.get_by_test_id("canned-add-text").fill("営業時間は平日10時〜18時です。")
    await page.get_by_test_id("canned-add-submit").click()
    await expect(page.get_by_test_id("canned-item")).to_contain_text("営業時間のご案内")
    stamp = image_file(folder, "stamp.png", picture(300, 300, colour="#f2a93b"))
    await page.get_by_test_id("stamp-add-file").set_input_files(stamp)
    await page.get_by_test_id("stamp-add-label").fill("ありがとう（店舗）")
    await page.get_by_test_id("stamp-add-code").fill("shop-thanks")
    await page.get_by_test_id("stamp-add-submit").click()
    await expect(page.get_by_test_id("stamp-shop-thanks")).to_be_visible()
    await screenshot(page, "admin-canned", full_page=True)


async def seed_history(db: Database, store: StoreInfo) -> None:
    """A fortnight of figures, so that the chart has something to draw."""
    today = utcnow()
    guest = await create_guest(db, store_id=store.store_id)
    for n in range(14):
        day = today - timedelta(days=n)
        await set_daily_stat(db, store_id=store.store_id, day=day.date(),
                             forms_shown=5 + (n * 7) % 11, forms_executed=2 + n % 4)
        start = day.replace(hour=3, minute=0, second=0, microsecond=0)
        await create_past_conversation(
            db, store_id=store.store_id, guest_id=guest, created_at=start,
            claimed_at=start + timedelta(seconds=20 + n * 5), staff_id=store.admin_id,
            first_response_at=start + timedelta(seconds=40 + n * 9))
        if n % 3 == 0:
            await create_past_conversation(db, store_id=store.store_id, guest_id=guest,
                                           created_at=start, end_reason="missed")


async def widget_config(server: ThreadServer, store: StoreInfo) -> dict[str, object]:
    async with http_client(base_url=server.url) as c:
        config: dict[str, object] = (await c.get(f"/api/widget/{store.widget_key}/config")).json()
        return config


@pytest.mark.e2e
async def test_admin_sets_up_the_store(make_page: MakePage, server: ThreadServer, db: Database,
                                       store: StoreInfo, tmp_path: Path) -> None:
    await seed_history(db, store)
    page = await make_page(viewport=DESKTOP)
    await log_in(page, server.url, store.admin_login)
    await add_agent(page)
    await upload_buttons(page, tmp_path)
    await edit_screen(page, tmp_path)
    await add_field(page)

    await page.get_by_test_id("tab-stats").click()
    await expect(page.get_by_test_id("stats-table")).to_be_visible()
    await expect(page.get_by_test_id("stats-chart").locator("rect")).not_to_have_count(0)
    await expect(page.get_by_test_id("stats-time-zone")).to_have_text(
        "日付は Asia/Tokyo の暦日で数えています。")
    await screenshot(page, "admin-stats", full_page=True)
    csv = await page.request.get(
        server.url + str(await page.get_by_test_id("stats-csv").get_attribute("href")))
    assert csv.ok and (await csv.body()).startswith(b"\xef\xbb\xbf")

    await add_canned_and_stamp(page, tmp_path)

    config = await widget_config(server, store)
    buttons = config["buttons"]
    assert isinstance(buttons, dict) and all(buttons[s] for s in ("away", "waiting", "busy"))
    assert config["theme"] == COLOURS
    assert config["logo_url"]
    assert config["fields"] == [{"key": "field", "label": "ご注文番号", "type": "text",
                                 "options": [], "required": True}]


@pytest.mark.e2e
async def test_a_limit_changed_in_the_menu_changes_availability(
    make_page: MakePage, server: ThreadServer, store: StoreInfo
) -> None:
    page = await make_page()
    await log_in(page, server.url, store.admin_login)
    await add_agent(page)
    sato = await Staff.connect(server.url, server.ws_url, "sato")
    assert sato.welcome["staff"]["max_chats"] == 2
    guests = [await Guest.connect(server.ws_url, store.widget_key) for _ in range(3)]
    for guest in guests[:2]:
        await sato.claim((await guest.start())["id"])
    await guests[2].expect("availability", lambda f: f["status"] == "busy")

    await page.get_by_test_id("staff-row-sato").get_by_role("button").click()
    await page.get_by_test_id("staff-edit-max").select_option("3")
    await screenshot(page, "admin-staff-edit", full_page=True)
    await page.get_by_test_id("staff-edit-save").click()
    row = page.get_by_test_id("staff-row-sato")
    await expect(row.get_by_test_id("staff-max")).to_have_text("3")
    await guests[2].expect("availability", lambda f: f["status"] == "waiting")
    for client in (*guests, sato):
        await client.close()


@pytest.mark.e2e
async def test_english_and_phone(make_page: MakePage, server: ThreadServer,
                                 store: StoreInfo) -> None:
    page = await make_page(viewport=PHONE, locale="en-US")
    await page.goto(f"{server.url}/admin/#screen")
    await page.get_by_test_id("login-id").fill(store.admin_login)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("tab-screen")).to_have_text("Screen")
    await expect(page.get_by_test_id("tab-screen")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_test_id("widget-preview")).to_be_visible()
    await screenshot(page, "admin-screen-phone-en", full_page=True)
    # The arrow keys move between tabs.
    await page.get_by_test_id("tab-screen").focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_test_id("tab-fields")).to_be_focused()
    await expect(page.get_by_test_id("field-list")).to_be_visible()


@pytest.fixture
async def admin_screen_set(server: ThreadServer, store: StoreInfo) -> None:
    """The store's images, colours, logo and an asked field, set through the admin API."""
    from tests.api.helpers import login

    async with http_client(base_url=server.url) as c:
        await login(c, store.admin_login)
        for status, colour in (("away", "#9aa5b4"), ("waiting", "#1a7f37"), ("busy", "#b42318")):
            image = picture(100, 120, colour=colour)
            r = await c.put(f"/api/admin/buttons/{status}",
                            files={"file": ("b.png", image, "image/png")})
            assert r.status_code == 200
        assert (await c.patch("/api/admin/theme", json=COLOURS)).status_code == 200
        r = await c.put("/api/admin/logo", files={"file": ("logo.png", logo(), "image/png")})
        assert r.status_code == 200
        r = await c.post("/api/admin/fields", json={"label": "ご注文番号", "ask_before_chat": True})
        assert r.status_code == 201


@pytest.mark.e2e
async def test_the_shop_widget_follows_the_admin_menu(
    make_page: MakePage, server: ThreadServer, shop: Shop, admin_screen_set: None
) -> None:
    from tests.e2e.widget_page import Widget

    staff = await Staff.connect(server.url, server.ws_url, shop.store.admin_login)
    page = await make_page()
    await page.goto(shop.url)
    widget = Widget(page)
    await widget.expect_status("waiting")
    await expect(widget.button.locator("img")).to_have_attribute("src", re.compile(r"/files/"))
    await widget.open()
    await expect(widget.testid("entry-form")).to_contain_text("ご注文番号")
    await screenshot(page, "admin-widget-on-shop")
    await staff.close()
