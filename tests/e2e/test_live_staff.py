"""Two browsers at once: the admin's change of a member reaches that member's open console,
and a disabled member's chat goes back to the queue (issue 14, items 1 and 2)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from chats.db.engine import Database
from tests.api.helpers import login
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_console import WAIT, arriving_guest, console_login, tab
from tests.factories import StoreInfo, create_staff
from tests.servers import ThreadServer, http_client

pytestmark = pytest.mark.e2e


async def test_a_raised_limit_lets_the_open_console_claim_without_reload(
        make_page: MakePage, server: ThreadServer, db: Database, store: StoreInfo) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="sato", name="佐藤",
                                  max_chats=1)
    page = await make_page()
    await console_login(page, server, "sato")
    first = await arriving_guest(server, store, "一人目")
    await page.get_by_test_id("waiting-guest").filter(has_text="一人目").click()
    await expect(tab(page, "一人目")).to_be_visible(timeout=WAIT)
    # The admin is online with room, so the store still takes guests who then wait.
    admin_page = await make_page()
    await console_login(admin_page, server, store.admin_login)
    second = await arriving_guest(server, store, "二人目")
    await expect(page.get_by_test_id("waiting-guest").filter(has_text="二人目")).to_be_visible(
        timeout=WAIT)
    await expect(page.get_by_test_id("my-load")).to_have_text("1/1 件")

    async with http_client(base_url=server.url) as admin:
        await login(admin, store.admin_login)
        r = await admin.patch(f"/api/staff/{agent_id}", json={"max_chats": 9})
        assert r.status_code == 200

    await expect(page.get_by_test_id("my-load")).to_have_text("1/9 件", timeout=WAIT)
    await page.get_by_test_id("waiting-guest").filter(has_text="二人目").click()
    await expect(tab(page, "二人目")).to_be_visible(timeout=WAIT)
    await expect(page.get_by_test_id("notice")).to_have_count(0)
    await screenshot(page, "console-limit-raised")
    for guest in (first, second):
        await guest.close()


async def test_a_disabled_members_chat_returns_to_every_console_queue(
        make_page: MakePage, server: ThreadServer, db: Database, store: StoreInfo) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="tanaka", name="田中")
    agent_page = await make_page()
    await console_login(agent_page, server, "tanaka")
    guest = await arriving_guest(server, store, "置き去り")
    await agent_page.get_by_test_id("waiting-guest").filter(has_text="置き去り").click()
    await expect(tab(agent_page, "置き去り")).to_be_visible(timeout=WAIT)
    await guest.say("まだですか")

    admin_page = await make_page()
    await console_login(admin_page, server, store.admin_login)
    await expect(admin_page.get_by_test_id("waiting-guest")).to_have_count(0)
    async with http_client(base_url=server.url) as admin:
        await login(admin, store.admin_login)
        assert (await admin.patch(f"/api/staff/{agent_id}",
                                  json={"active": False})).status_code == 200

    row = admin_page.get_by_test_id("waiting-guest").filter(has_text="置き去り")
    await expect(row).to_be_visible(timeout=WAIT)
    await screenshot(admin_page, "console-returned-to-queue")
    await row.click()
    await expect(tab(admin_page, "置き去り")).to_be_visible(timeout=WAIT)
    # The history came along, the hand-over line included.
    await expect(admin_page.get_by_text("まだですか")).to_be_visible(timeout=WAIT)
    await expect(admin_page.get_by_text("担当者が交代します。少々お待ちください。")).to_be_visible()
    await guest.expect("message", lambda f: f["text"].startswith("担当者が交代"))
    await guest.close()


async def test_the_sound_switch_follows_on_the_members_other_device(
        make_page: MakePage, server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="kato", name="加藤")
    desk, laptop = await make_page(), await make_page()  # two devices: own storage each
    for page in (desk, laptop):
        await console_login(page, server, "kato")
        await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("aria-pressed", "true")
    await desk.get_by_test_id("sound-toggle").click()
    await expect(desk.get_by_test_id("sound-toggle")).to_have_attribute("aria-pressed", "false")
    await expect(laptop.get_by_test_id("sound-toggle")).to_have_attribute(
        "aria-pressed", "false", timeout=WAIT)
    await expect(laptop.get_by_test_id("sound-toggle")).to_contain_text("通知音オフ")
    # After a reload the laptop still remembers the choice made on the desk.
    await laptop.reload()
    await expect(laptop.get_by_test_id("sound-toggle")).to_have_attribute(
        "aria-pressed", "false", timeout=WAIT)
