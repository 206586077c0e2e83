"""Busy tells the truth in real browsers (issue 14, item 4): how many wait, the usual wait,
joining the queue while the only agent is at its limit, and the admin's switch."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from chats.db.engine import Database
from tests.e2e.conftest import MakePage, Shop, screenshot
from tests.e2e.test_admin import log_in
from tests.e2e.test_console import WAIT, arriving_guest, console_login, tab
from tests.e2e.widget_page import Widget
from tests.factories import create_staff
from tests.realtime.clients import Guest
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e


async def busy_shop(make_page: MakePage, shop: Shop) -> tuple[Page, Widget]:
    """A guest on the shop whose button says busy, with the panel open."""
    page = await make_page()
    await page.goto(shop.url)
    widget = Widget(page)
    await widget.recheck_until("busy")
    await widget.open()
    return page, widget


async def agent_at_limit(make_page: MakePage, server: ThreadServer, db: Database,
                         shop: Shop) -> tuple[Page, Guest]:
    """The only agent online (limit 1) has taken a chat in its console: the store is busy."""
    await create_staff(db, store_id=shop.store.store_id, login_id="yamada", name="山田",
                       max_chats=1)
    console = await make_page()
    await console_login(console, server, "yamada")
    first = await arriving_guest(server, shop.store, "先客")
    await console.get_by_test_id("waiting-guest").filter(has_text="先客").click()
    await expect(tab(console, "先客")).to_be_visible(timeout=WAIT)
    await expect(console.get_by_test_id("my-load")).to_have_text("1/1 件", timeout=WAIT)
    return console, first


async def join_queue(widget: Widget, nickname: str) -> None:
    await expect(widget.testid("entry-form")).to_be_visible(timeout=WAIT)
    await widget.panel.get_by_label("ニックネーム").fill(nickname)
    await expect(widget.testid("start")).to_have_text("順番待ちに並ぶ")
    await widget.testid("start").click()


async def test_a_busy_guest_queues_and_moves_up_as_chats_end_and_are_taken(
        make_page: MakePage, server: ThreadServer, db: Database, shop: Shop) -> None:
    console, first = await agent_at_limit(make_page, server, db, shop)
    page_a, a = await busy_shop(make_page, shop)
    # The only wait so far was the first guest's few seconds: about one minute, honestly.
    await expect(a.testid("busy-note")).to_contain_text("ただいま担当者がすべて対応中です。")
    await expect(a.testid("busy-figures")).to_have_text("現在 順番待ちの方はいません・目安 約1分")
    await screenshot(page_a, "busy-panel-nobody-waiting")
    await join_queue(a, "一番さん")
    await expect(a.testid("queue-position")).to_have_text("順番待ち：1 番目", timeout=WAIT)

    page_b, b = await busy_shop(make_page, shop)
    await expect(b.testid("busy-figures")).to_have_text("現在 1 人が順番待ちです・目安 約1分")
    await screenshot(page_b, "busy-panel-one-waiting")
    await join_queue(b, "二番さん")
    await expect(b.testid("queue-position")).to_have_text("順番待ち：2 番目", timeout=WAIT)
    await expect(b.testid("queue-estimate")).to_have_text("目安 約1分")
    await screenshot(page_b, "busy-queued-second")
    await expect(console.get_by_test_id("waiting-guest")).to_have_count(2, timeout=WAIT)

    # The first chat ends; the agent, free again, takes the first in line.
    await first.send({"type": "end"})
    # Claim once the console knows the agent is free (a click before that is refused).
    await expect(console.get_by_test_id("my-load")).to_have_text("0/1 件", timeout=WAIT)
    await console.get_by_test_id("waiting-guest").filter(has_text="一番さん").click()
    await expect(tab(console, "一番さん")).to_be_visible(timeout=WAIT)
    await expect(a.testid("staff-name")).to_have_text("山田 が対応しています", timeout=WAIT)
    await expect(b.testid("queue-position")).to_have_text("順番待ち：1 番目", timeout=WAIT)
    await screenshot(page_b, "busy-queued-moved-up")
    await screenshot(console, "busy-console-queue")
    await first.close()


async def test_with_the_queue_off_a_busy_guest_is_offered_the_message_form(
        make_page: MakePage, server: ThreadServer, db: Database, shop: Shop) -> None:
    _console, first = await agent_at_limit(make_page, server, db, shop)
    page, widget = await busy_shop(make_page, shop)
    await expect(widget.testid("entry-form")).to_be_visible(timeout=WAIT)

    admin = await make_page()
    await log_in(admin, server.url, shop.store.admin_login)
    await admin.get_by_test_id("tab-buttons").click()
    switch = admin.get_by_test_id("queue-when-busy")
    await expect(switch).to_be_checked()
    await switch.click()  # saved at once; the box follows the server's answer
    await expect(switch).not_to_be_checked(timeout=WAIT)
    await expect(admin.get_by_test_id("queue-card")).to_contain_text(
        "全員が対応中のときはメッセージの受付だけにしました。")
    await screenshot(admin, "busy-admin-queue-off", full_page=True)

    # The open panel follows at once: the leave form, still telling how things stand.
    await expect(widget.testid("leave-form")).to_be_visible(timeout=WAIT)
    await expect(widget.testid("entry-form")).to_have_count(0)
    await expect(widget.testid("busy-join")).to_have_count(0)
    await expect(widget.testid("busy-figures")).to_have_text(
        "現在 順番待ちの方はいません・目安 約1分")
    await screenshot(page, "busy-panel-queue-off")
    await first.close()
