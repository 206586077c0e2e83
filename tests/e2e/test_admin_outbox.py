"""The admin sees a mail the mail server refused, with the reason, sends it again once the
server accepts, and discards another (issue 18 item 6), in Japanese."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import MailOutbox
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_csp import Violations, staff_login
from tests.factories import StoreInfo
from tests.mail.conftest import SmtpServer
from tests.mail.helpers import add_guest, notify_unread
from tests.servers import ThreadServer, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server that refuses every recipient until the test says otherwise."""
    server = SmtpServer().start()
    server.mailbox.refuse = "550 5.7.1 Relaying denied"
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The app's mail goes to the test's SMTP server."""
    return settings.model_copy(update={"smtp_url": smtp.url,
                                       "mail_from": "茶房みどり <shop@example.jp>"})


async def _all_failed(db: Database, count: int) -> bool:
    async with db.read() as session:
        rows = list(await session.scalars(select(MailOutbox.status)))
        return rows.count("failed") == count


async def test_admin_sends_a_refused_mail_again_and_discards_another(
        make_page: MakePage, server: ThreadServer, store: StoreInfo, db: Database,
        settings: Settings, smtp: SmtpServer) -> None:
    for address in ("hanako@example.jp", "taro@example.jp"):
        guest = await add_guest(db, store_id=store.store_id, email=address)
        await notify_unread(db, settings, store_id=store.store_id, guest=guest)
    await wait_for(lambda: _all_failed(db, 2))

    seen = Violations()
    page = await seen.watch(await make_page())
    await page.goto(f"{server.url}/admin/#outbox")
    await staff_login(page, server.url, store.admin_login)
    await expect(page.get_by_test_id("tab-outbox")).to_have_text("メール送信")
    rows = page.get_by_test_id("outbox-row")
    await expect(rows).to_have_count(2)
    hanako = rows.filter(has_text="hanako@example.jp")
    await expect(hanako.get_by_test_id("outbox-status")).to_have_text("失敗")
    await expect(hanako.get_by_test_id("outbox-reason")).to_have_text(
        "550 5.7.1 Relaying denied (hanako@example.jp)")
    await expect(hanako).to_contain_text("未読のお知らせ")
    await screenshot(page, "admin-outbox-failed", full_page=True)
    await assert_accessible(page, "admin-outbox")

    smtp.mailbox.refuse = None
    await hanako.get_by_test_id("outbox-retry").click()
    await expect(page.get_by_test_id("outbox-done")).to_contain_text(
        "hanako@example.jp 宛のメールを送信待ちに戻しました")
    [got] = await smtp.mailbox.wait_for(1)
    assert got.rcpt_tos == ["hanako@example.jp"]

    taro = rows.filter(has_text="taro@example.jp")
    await taro.get_by_test_id("outbox-discard").click()
    await taro.get_by_test_id("outbox-discard-confirm").click()
    await expect(page.get_by_test_id("outbox-done")).to_contain_text("送信されません")
    await expect(taro).to_have_count(0)

    await page.get_by_test_id("outbox-reload").click()
    await expect(page.get_by_test_id("outbox-none")).to_have_text("該当するメールはありません。")
    await page.get_by_test_id("outbox-filter").select_option("sent")
    await expect(rows).to_have_count(1)
    await expect(rows.get_by_test_id("outbox-status")).to_have_text("送信済み")
    await screenshot(page, "admin-outbox-sent", full_page=True)
    assert len(smtp.mailbox.received) == 1
    assert await seen.all() == []
