"""The supervisor view in four browsers: two agents, an admin and a guest on the shop's
widget (issue 14, item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from chats.db.engine import Database
from tests.e2e.conftest import MakePage, Shop, screenshot
from tests.e2e.test_console import WAIT, arriving_guest, console_login, tab
from tests.e2e.test_widget import shop_page
from tests.factories import create_staff
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/super")


async def shot(page: Page, name: str) -> None:
    path = await screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


async def test_an_admin_supervises_follows_and_moves_a_chat(
        make_page: MakePage, shop: Shop, server: ThreadServer, db: Database) -> None:
    store = shop.store
    await create_staff(db, store_id=store.store_id, login_id="sv-sato", name="佐藤")
    await create_staff(db, store_id=store.store_id, login_id="sv-tanaka", name="田中")
    sato, tanaka, admin = await make_page(), await make_page(), await make_page()
    await console_login(sato, server, "sv-sato")
    await console_login(tanaka, server, "sv-tanaka")
    await console_login(admin, server, store.admin_login)
    # Only admins have the view.
    await expect(sato.get_by_test_id("supervisor-toggle")).to_have_count(0)

    await admin.get_by_test_id("supervisor-toggle").click()
    await expect(admin.get_by_test_id("sv-empty")).to_be_visible(timeout=WAIT)

    guest_page, widget = await shop_page(make_page, shop)
    await widget.open()
    await widget.start_chat("山田")
    row = admin.get_by_test_id("sv-row").filter(has_text="山田")
    await expect(row).to_have_attribute("data-status", "waiting", timeout=WAIT)
    await expect(row.get_by_test_id("sv-staff")).to_have_text("担当者なし")
    await expect(row.get_by_test_id("sv-wait")).to_have_text("0分待ち")
    # Written while waiting: nobody has read it yet.
    await widget.type_and_enter("注文した商品の配送状況を教えてください")
    await expect(row.get_by_test_id("sv-unread")).to_have_text("1", timeout=WAIT)
    await expect(row.get_by_test_id("sv-last")).to_have_text(
        "お客様: 注文した商品の配送状況を教えてください")
    await shot(admin, "supervisor-list")

    # 佐藤 takes it and reads it at once.
    await sato.get_by_test_id("waiting-guest").filter(has_text="山田").click()
    await expect(tab(sato, "山田")).to_be_visible(timeout=WAIT)
    await expect(row).to_have_attribute("data-status", "active", timeout=WAIT)
    await expect(row.get_by_test_id("sv-staff")).to_have_text("佐藤")
    await expect(row.get_by_test_id("sv-unread")).to_have_count(0, timeout=WAIT)

    # Followed read-only: the agent's answer appears live, and there is nothing to type in.
    await row.click()
    watch = admin.get_by_test_id("sv-watch")
    await expect(watch.get_by_text("注文した商品の配送状況を教えてください")).to_be_visible(
        timeout=WAIT)
    await expect(admin.get_by_test_id("message-input")).to_have_count(0)
    await sato.get_by_test_id("message-input").fill("確認いたしますので少々お待ちください")
    await sato.get_by_test_id("send").click()
    await expect(watch.get_by_text("確認いたしますので少々お待ちください")).to_be_visible(
        timeout=WAIT)
    await expect(row.get_by_test_id("sv-wait")).to_have_text("返信済み", timeout=WAIT)
    await shot(admin, "supervisor-watch")

    # Reassigned to 田中: the guest, 佐藤, 田中 and the admin all see the line.
    await admin.get_by_test_id("sv-target").select_option(label="田中（0/3）")
    await admin.get_by_test_id("sv-reassign").click()
    reassigned = "担当者が田中に変わりました。"
    await expect(widget.panel.get_by_text(reassigned)).to_be_visible(timeout=WAIT)
    await expect(tab(tanaka, "山田")).to_be_visible(timeout=WAIT)
    await expect(tanaka.get_by_text(reassigned)).to_be_visible(timeout=WAIT)
    await expect(tab(sato, "山田")).to_have_count(0, timeout=WAIT)
    await expect(watch.get_by_text(reassigned)).to_be_visible(timeout=WAIT)
    await expect(row.get_by_test_id("sv-staff")).to_have_text("田中", timeout=WAIT)

    # Back to the queue: every console's waiting list has it again.
    await admin.get_by_test_id("sv-release").click()
    released = "担当者が交代します。少々お待ちください。"
    await expect(widget.panel.get_by_text(released)).to_be_visible(timeout=WAIT)
    await expect(tanaka.get_by_text(released)).to_have_count(0, timeout=WAIT)  # tab closed
    await expect(sato.get_by_test_id("waiting-guest").filter(has_text="山田")).to_be_visible(
        timeout=WAIT)
    await expect(row).to_have_attribute("data-status", "waiting", timeout=WAIT)

    # Taken over: the admin's console opens the chat, and can write in it.
    await admin.get_by_test_id("sv-take-over").click()
    taken = admin.get_by_text("が対応を引き継ぎました。")
    await expect(tab(admin, "山田")).to_be_visible(timeout=WAIT)
    await expect(taken).to_be_visible(timeout=WAIT)
    await expect(widget.panel.get_by_text("が対応を引き継ぎました。")).to_be_visible(timeout=WAIT)
    assert "管理者のAdmin" in (await taken.text_content() or "")
    await admin.get_by_test_id("message-input").fill("管理者の私が対応いたします")
    await admin.get_by_test_id("send").click()
    await expect(widget.panel.get_by_text("管理者の私が対応いたします")).to_be_visible(timeout=WAIT)
    await shot(guest_page, "supervisor-guest-panel")

    # Ended from the view, after a confirmation.
    await admin.get_by_test_id("supervisor-toggle").click()
    await row.click()
    await expect(watch.get_by_text("管理者の私が対応いたします")).to_be_visible(timeout=WAIT)
    await admin.get_by_test_id("sv-end").click()
    await shot(admin, "supervisor-end-confirm")
    await admin.get_by_test_id("sv-end-confirm").click()
    await expect(widget.panel.get_by_text("チャットが終了しました。")).to_be_visible(timeout=WAIT)
    await expect(admin.get_by_test_id("sv-empty")).to_be_visible(timeout=WAIT)
    await expect(admin.get_by_test_id("sv-watch-ended")).to_be_visible()

    # In English too.
    later = await arriving_guest(server, store, "Smith")
    await admin.get_by_role("button", name="English").click()
    await expect(admin.get_by_role("heading", name="Supervisor view")).to_be_visible(timeout=WAIT)
    english = admin.get_by_test_id("sv-row").filter(has_text="Smith")
    await expect(english.get_by_test_id("sv-staff")).to_have_text("Nobody yet", timeout=WAIT)
    await shot(admin, "supervisor-en")
    await later.close()
