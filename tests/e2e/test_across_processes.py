"""Issue 14 in Chromium with staff and guests on different server processes.

Two `chats serve` processes share one PostgreSQL database and one Redis: every staff
console (two members, and the admin's console where a case needs one) is on process A,
every guest's shop page (its widget, panel and socket) on process B. The admin's staff
menu (/admin/) is on B, so that a change made there has to cross to A's consoles.
What these cases check on one process is in test_live_staff, test_supervisor,
test_busy_queue and test_widget; here each event has to travel through Redis.

The two processes are shared by the module (starting them is the slow part); each test
has its own store, staff and shop, so nothing of one test is seen by another.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from chats.config import Settings
from chats.db.engine import Database
from chats.demo import shop_app
from tests.conftest import SECRET
from tests.databases import PG_URL, REDIS_URL, PostgresDatabases
from tests.e2e.conftest import AppThread, MakePage, Shop, screenshot
from tests.e2e.test_admin import log_in
from tests.e2e.test_busy_queue import busy_shop, join_queue
from tests.e2e.test_console import WAIT, arriving_guest, console_login, tab
from tests.e2e.test_widget import shop_page
from tests.e2e.widget_page import Widget
from tests.factories import StoreInfo, create_staff, create_store
from tests.realtime.clients import Guest
from tests.servers import TEST_HASH_COST, ProcessServer, env_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (PG_URL and REDIS_URL),
                       reason="staff and guests on two processes need PostgreSQL + Redis "
                              "(CHATS_TEST_DATABASE_URL and CHATS_TEST_REDIS_URL)"),
]

HANDOVER = "担当者が交代します。少々お待ちください。"


@pytest.fixture(scope="module")
def settings(database_templates: object,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One database and Redis prefix for the module's two processes (replaces the per-test
    settings, so that `db` is the test's connection to the processes' database)."""
    assert isinstance(database_templates, PostgresDatabases)
    name = database_templates.new()
    yield Settings(
        database_url=database_templates.url_for(name),
        redis_url=REDIS_URL,
        redis_prefix=f"t{uuid.uuid4().hex[:10]}",
        data_dir=tmp_path_factory.mktemp("across") / "data",
        secret_key=SECRET,
        presence_grace_seconds=0.5,
        log_json=True,
        log_level="WARNING",
        **TEST_HASH_COST,
    )
    database_templates.release(name)


@pytest.fixture(scope="module")
def processes(settings: Settings,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ProcessServer,
                                                                          ProcessServer]]:
    """Process A (staff) and process B (guests, the admin menu)."""
    logs: Path = tmp_path_factory.mktemp("across-logs")
    a = ProcessServer(env=env_for(settings), log_path=logs / "a.log").start()
    try:
        b = ProcessServer(env=env_for(settings), log_path=logs / "b.log").start()
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def a(processes: tuple[ProcessServer, ProcessServer]) -> ProcessServer:
    return processes[0]


@pytest.fixture
def b(processes: tuple[ProcessServer, ProcessServer]) -> ProcessServer:
    return processes[1]


@pytest.fixture
async def store(db: Database) -> StoreInfo:
    """This test's own store (its admin's login is unique in the shared database)."""
    return await create_store(db, name="茶房みどり")


@pytest.fixture
def shop(b: ProcessServer, store: StoreInfo) -> Iterator[Shop]:
    """The demo shop of this test's store, embedding the widget of process B."""
    app = AppThread(shop_app(b.url, store.widget_key)).start()
    yield Shop(url=app.url, store=store, server_url=b.url)
    app.stop()


@pytest.fixture
async def sockets() -> AsyncIterator[list[Guest]]:
    """Guests on a bare socket (filling staff slots), closed after the test in any case."""
    opened: list[Guest] = []
    yield opened
    for guest in opened:
        await guest.close()


async def guest_asks(make_page: MakePage, shop: Shop, nickname: str) -> tuple[Page, Widget]:
    """A guest on the shop (process B) who sees someone online and starts a chat."""
    page, widget = await shop_page(make_page, shop)
    await widget.recheck_until("waiting")
    await widget.open()
    await widget.start_chat(nickname)
    await expect(widget.testid("queue")).to_be_visible(timeout=WAIT)
    return page, widget


async def claim(console: Page, nickname: str) -> None:
    """Take the waiting guest `nickname` in a console: its tab opens."""
    await console.get_by_test_id("waiting-guest").filter(has_text=nickname).click()
    await expect(tab(console, nickname)).to_be_visible(timeout=WAIT)


async def edit_member(admin: Page, login_id: str) -> None:
    """Open a member's editor in the admin's staff menu."""
    await admin.get_by_test_id(f"staff-row-{login_id}").get_by_role("button").click()
    await expect(admin.get_by_test_id("staff-editor")).to_be_visible()


def load_of(console: Page, name: str) -> Locator:
    """The line of a member in a console's staff list."""
    return console.get_by_test_id("staff-table").locator("li").filter(has_text=name)


async def test_a_raised_limit_reaches_the_console_on_the_other_process(
        make_page: MakePage, a: ProcessServer, b: ProcessServer, db: Database,
        shop: Shop, sockets: list[Guest]) -> None:
    store = shop.store
    await create_staff(db, store_id=store.store_id, login_id="x1-sato", name="佐藤", max_chats=1)
    await create_staff(db, store_id=store.store_id, login_id="x1-tanaka", name="田中",
                       max_chats=1)
    sato, tanaka = await make_page(), await make_page()
    await console_login(sato, a, "x1-sato")
    await console_login(tanaka, a, "x1-tanaka")

    # Both at their limit: 佐藤 with a guest in a browser on B, 田中 with another on B.
    _first_page, first = await guest_asks(make_page, shop, "一人目")
    await claim(sato, "一人目")
    await expect(first.testid("staff-name")).to_have_text("佐藤 が対応しています", timeout=WAIT)
    sockets.append(await arriving_guest(b, store, "二人目"))
    await claim(tanaka, "二人目")
    await expect(sato.get_by_test_id("my-load")).to_have_text("1/1 件")
    await expect(load_of(tanaka, "佐藤")).to_contain_text("1/1 件", timeout=WAIT)

    # A third guest on B finds the store busy, and keeps the panel open.
    page, widget = await busy_shop(make_page, shop)
    await expect(widget.testid("busy-note")).to_be_visible(timeout=WAIT)
    await expect(widget.testid("start")).to_have_text("順番待ちに並ぶ")

    # The admin, in the staff menu on B, raises 佐藤's limit to 9.
    admin = await make_page()
    await log_in(admin, b.url, store.admin_login)
    await edit_member(admin, "x1-sato")
    await admin.get_by_test_id("staff-edit-max").select_option("9")
    await admin.get_by_test_id("staff-edit-save").click()
    await expect(admin.get_by_test_id("staff-row-x1-sato").get_by_test_id("staff-max")
                 ).to_have_text("9", timeout=WAIT)

    # Without a reload: 佐藤's own console on A, 田中's staff list on A, the guest on B.
    await expect(sato.get_by_test_id("my-load")).to_have_text("1/9 件", timeout=WAIT)
    await expect(load_of(tanaka, "佐藤")).to_contain_text("1/9 件", timeout=WAIT)
    await expect(widget.testid("busy-note")).to_have_count(0, timeout=WAIT)
    await expect(widget.testid("start")).to_have_text("チャットを開始")
    await widget.expect_status("waiting")

    # The guest asks, and 佐藤 can claim at once: no "上限に達しています".
    await widget.start_chat("三人目")
    await claim(sato, "三人目")
    await expect(sato.get_by_test_id("notice")).to_have_count(0)
    await expect(sato.get_by_test_id("my-load")).to_have_text("2/9 件", timeout=WAIT)
    await expect(widget.testid("staff-name")).to_have_text("佐藤 が対応しています",
                                                         timeout=WAIT)
    await screenshot(page, "across-limit-raised-guest")
    await screenshot(sato, "across-limit-raised-console")


async def test_a_disabled_members_chat_goes_back_to_the_queue_across_processes(
        make_page: MakePage, a: ProcessServer, b: ProcessServer, db: Database,
        shop: Shop) -> None:
    store = shop.store
    await create_staff(db, store_id=store.store_id, login_id="x2-tanaka", name="田中")
    await create_staff(db, store_id=store.store_id, login_id="x2-sato", name="佐藤")
    tanaka, sato = await make_page(), await make_page()
    await console_login(tanaka, a, "x2-tanaka")
    await console_login(sato, a, "x2-sato")

    page, widget = await guest_asks(make_page, shop, "置き去り")
    await claim(tanaka, "置き去り")
    await expect(widget.testid("staff-name")).to_have_text("田中 が対応しています", timeout=WAIT)
    await widget.type_and_enter("まだですか")
    await expect(tanaka.get_by_text("まだですか")).to_be_visible(timeout=WAIT)
    await expect(sato.get_by_test_id("waiting-guest")).to_have_count(0)

    # The admin disables 田中 in the staff menu on B.
    admin = await make_page()
    await log_in(admin, b.url, store.admin_login)
    await edit_member(admin, "x2-tanaka")
    await admin.get_by_test_id("staff-editor").get_by_label(
        "有効（ログインしてチャットを受けられる）").uncheck()
    await admin.get_by_test_id("staff-edit-save").click()
    await expect(admin.get_by_test_id("staff-row-x2-tanaka")).to_contain_text("無効",
                                                                            timeout=WAIT)

    # The guest on B is told, and waits again (first in line) instead of talking to nobody.
    await expect(widget.panel.get_by_text(HANDOVER)).to_be_visible(timeout=WAIT)
    await expect(widget.testid("queue-position")).to_have_text("順番待ち：1 番目", timeout=WAIT)
    await expect(widget.testid("staff-name")).to_have_count(0)
    # 田中's console on A is signed out; 佐藤's sees the chat waiting.
    await expect(tanaka.get_by_test_id("login-id")).to_be_visible(timeout=WAIT)
    row = sato.get_by_test_id("waiting-guest").filter(has_text="置き去り")
    await expect(row).to_be_visible(timeout=WAIT)
    await screenshot(page, "across-disabled-guest")

    # 佐藤 takes it with its history, the hand-over line included, and answers.
    await claim(sato, "置き去り")
    await expect(sato.get_by_text("まだですか")).to_be_visible(timeout=WAIT)
    await expect(sato.get_by_test_id("chat-pane").get_by_text(HANDOVER)).to_be_visible()
    await expect(widget.testid("staff-name")).to_have_text("佐藤 が対応しています", timeout=WAIT)
    await sato.get_by_test_id("message-input").fill("お待たせしました")
    await sato.get_by_test_id("send").click()
    await expect(widget.panel.get_by_text("お待たせしました")).to_be_visible(timeout=WAIT)
    await screenshot(sato, "across-disabled-taken")


async def test_the_supervisor_on_one_process_follows_and_moves_a_guest_on_the_other(
        make_page: MakePage, a: ProcessServer, db: Database, shop: Shop) -> None:
    store = shop.store
    await create_staff(db, store_id=store.store_id, login_id="x3-sato", name="佐藤")
    await create_staff(db, store_id=store.store_id, login_id="x3-tanaka", name="田中")
    sato, tanaka, admin = await make_page(), await make_page(), await make_page()
    await console_login(sato, a, "x3-sato")
    await console_login(tanaka, a, "x3-tanaka")
    await console_login(admin, a, store.admin_login)
    await admin.get_by_test_id("supervisor-toggle").click()
    await expect(admin.get_by_test_id("sv-empty")).to_be_visible(timeout=WAIT)

    page, widget = await guest_asks(make_page, shop, "山田")
    row = admin.get_by_test_id("sv-row").filter(has_text="山田")
    await expect(row).to_have_attribute("data-status", "waiting", timeout=WAIT)
    await widget.type_and_enter("注文した商品の配送状況を教えてください")
    await expect(row.get_by_test_id("sv-unread")).to_have_text("1", timeout=WAIT)
    await expect(row.get_by_test_id("sv-last")).to_have_text(
        "お客様: 注文した商品の配送状況を教えてください", timeout=WAIT)

    await claim(sato, "山田")
    await expect(row).to_have_attribute("data-status", "active", timeout=WAIT)
    await expect(row.get_by_test_id("sv-staff")).to_have_text("佐藤")

    # Followed live: what the guest on B and the agent on A write appears in the view.
    await row.click()
    watch = admin.get_by_test_id("sv-watch")
    await expect(watch.get_by_text("注文した商品の配送状況を教えてください")).to_be_visible(
        timeout=WAIT)
    await widget.type_and_enter("急ぎでお願いします")
    await expect(watch.get_by_text("急ぎでお願いします")).to_be_visible(timeout=WAIT)
    await expect(row.get_by_test_id("sv-last")).to_have_text("お客様: 急ぎでお願いします",
                                                         timeout=WAIT)
    await sato.get_by_test_id("message-input").fill("確認いたしますので少々お待ちください")
    await sato.get_by_test_id("send").click()
    await expect(watch.get_by_text("確認いたしますので少々お待ちください")).to_be_visible(
        timeout=WAIT)
    await expect(widget.panel.get_by_text("確認いたしますので少々お待ちください")
                 ).to_be_visible(timeout=WAIT)
    await expect(row.get_by_test_id("sv-wait")).to_have_text("返信済み", timeout=WAIT)
    await screenshot(admin, "across-supervisor-watch")

    # Reassigned to 田中.
    await admin.get_by_test_id("sv-target").select_option(label="田中（0/3）")
    await admin.get_by_test_id("sv-reassign").click()
    reassigned = "担当者が田中に変わりました。"
    await expect(widget.panel.get_by_text(reassigned)).to_be_visible(timeout=WAIT)
    await expect(widget.testid("staff-name")).to_have_text("田中 が対応しています", timeout=WAIT)
    await expect(tab(tanaka, "山田")).to_be_visible(timeout=WAIT)
    await expect(tab(sato, "山田")).to_have_count(0, timeout=WAIT)
    await expect(row.get_by_test_id("sv-staff")).to_have_text("田中", timeout=WAIT)

    # Back to the queue: the guest is told and waits; every console has it waiting.
    await admin.get_by_test_id("sv-release").click()
    await expect(widget.panel.get_by_text(HANDOVER)).to_be_visible(timeout=WAIT)
    await expect(widget.testid("queue-position")).to_have_text("順番待ち：1 番目", timeout=WAIT)
    await expect(tab(tanaka, "山田")).to_have_count(0, timeout=WAIT)
    for console in (sato, tanaka):
        await expect(console.get_by_test_id("waiting-guest").filter(has_text="山田")
                     ).to_be_visible(timeout=WAIT)
    await expect(row).to_have_attribute("data-status", "waiting", timeout=WAIT)

    # Taken over by the admin, who answers; the guest on B reads it.
    await admin.get_by_test_id("sv-take-over").click()
    await expect(tab(admin, "山田")).to_be_visible(timeout=WAIT)
    await expect(widget.panel.get_by_text("が対応を引き継ぎました。")).to_be_visible(timeout=WAIT)
    for console in (sato, tanaka):
        await expect(console.get_by_test_id("waiting-guest")).to_have_count(0, timeout=WAIT)
    await admin.get_by_test_id("message-input").fill("管理者の私が対応いたします")
    await admin.get_by_test_id("send").click()
    await expect(widget.panel.get_by_text("管理者の私が対応いたします")).to_be_visible(
        timeout=WAIT)
    await screenshot(page, "across-supervisor-guest")


async def test_a_busy_guest_on_the_other_process_queues_and_is_served(
        make_page: MakePage, a: ProcessServer, b: ProcessServer, db: Database,
        shop: Shop, sockets: list[Guest]) -> None:
    store = shop.store
    await create_staff(db, store_id=store.store_id, login_id="x4-yamada", name="山田",
                       max_chats=1)
    await create_staff(db, store_id=store.store_id, login_id="x4-tanaka", name="田中",
                       max_chats=1)
    yamada, tanaka = await make_page(), await make_page()
    await console_login(yamada, a, "x4-yamada")
    await console_login(tanaka, a, "x4-tanaka")
    for nickname in ("先客一", "先客二"):
        sockets.append(await arriving_guest(b, store, nickname))
    await claim(yamada, "先客一")
    await claim(tanaka, "先客二")
    for console in (yamada, tanaka):
        await expect(console.get_by_test_id("my-load")).to_have_text("1/1 件", timeout=WAIT)

    # Every member at its limit: guests on B are told how things stand and queue.
    page_1, first = await busy_shop(make_page, shop)
    await expect(first.testid("busy-note")).to_contain_text("ただいま担当者がすべて対応中です。")
    await expect(first.testid("busy-figures")).to_have_text(
        "現在 順番待ちの方はいません・目安 約1分")
    await join_queue(first, "一番さん")
    await expect(first.testid("queue-position")).to_have_text("順番待ち：1 番目", timeout=WAIT)

    page_2, second = await busy_shop(make_page, shop)
    await expect(second.testid("busy-figures")).to_have_text(
        "現在 1 人が順番待ちです・目安 約1分", timeout=WAIT)
    await join_queue(second, "二番さん")
    await expect(second.testid("queue-position")).to_have_text("順番待ち：2 番目", timeout=WAIT)
    await expect(second.testid("queue-estimate")).to_have_text("目安 約1分")
    for console in (yamada, tanaka):
        await expect(console.get_by_test_id("waiting-guest")).to_have_count(2, timeout=WAIT)
    await screenshot(page_2, "across-busy-queued")

    # 山田 ends its chat; the slot is free and it takes the first in line.
    await tab(yamada, "先客一").click()
    await yamada.get_by_test_id("end-button").click()
    await sockets[0].expect("conversation", lambda f: f["status"] == "ended")
    await expect(yamada.get_by_test_id("my-load")).to_have_text("0/1 件", timeout=WAIT)
    await claim(yamada, "一番さん")
    await expect(first.testid("staff-name")).to_have_text("山田 が対応しています", timeout=WAIT)
    await expect(second.testid("queue-position")).to_have_text("順番待ち：1 番目", timeout=WAIT)
    await expect(tanaka.get_by_test_id("waiting-guest")).to_have_count(1, timeout=WAIT)
    await yamada.get_by_test_id("message-input").fill("お待たせいたしました")
    await yamada.get_by_test_id("send").click()
    await expect(first.panel.get_by_text("お待たせいたしました")).to_be_visible(timeout=WAIT)
    await screenshot(page_1, "across-busy-served")


async def test_a_guest_blacklisted_from_the_other_process_sees_away_and_no_form(
        make_page: MakePage, a: ProcessServer, db: Database, shop: Shop) -> None:
    store = shop.store
    await create_staff(db, store_id=store.store_id, login_id="x5-sato", name="佐藤")
    await create_staff(db, store_id=store.store_id, login_id="x5-tanaka", name="田中")
    sato, tanaka = await make_page(), await make_page()
    await console_login(sato, a, "x5-sato")
    await console_login(tanaka, a, "x5-tanaka")
    page, widget = await guest_asks(make_page, shop, "迷惑")
    await claim(sato, "迷惑")
    await expect(widget.testid("staff-name")).to_be_visible(timeout=WAIT)

    await sato.get_by_test_id("info-tab-other").click()
    await sato.get_by_test_id("blacklist").check()
    await sato.get_by_test_id("save-other").click()
    await expect(sato.get_by_test_id("chat-ended")).to_be_visible(timeout=WAIT)

    # Cut off at once on B: away, no new chat, no message form the server would refuse,
    # although two members are online on A.
    await expect(widget.testid("closed")).to_be_visible(timeout=WAIT)
    await expect(widget.testid("new-chat")).to_have_count(0)
    await expect(widget.testid("leave-submit")).to_have_count(0)
    await widget.expect_status("closed")
    await expect(widget.button).to_have_attribute("aria-label", "離席中")
    await expect(load_of(tanaka, "佐藤")).to_contain_text("0/3 件", timeout=WAIT)

    # The same after a reload.
    await page.reload()
    await widget.expect_status("closed")
    await expect(widget.button).to_have_attribute("aria-label", "離席中")
    await widget.open()
    await expect(widget.testid("closed")).to_be_visible(timeout=WAIT)
    await expect(widget.testid("entry-form")).to_have_count(0)
    await expect(widget.testid("leave-submit")).to_have_count(0)
    await screenshot(page, "across-blacklisted-guest")
