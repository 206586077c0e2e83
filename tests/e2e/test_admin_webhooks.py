"""An admin adds a webhook endpoint in the admin menu (ja), sees the secret once, reads the
delivery log and sends a delivery again (issue 17 item 3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import expect

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_csp import Violations, staff_login
from tests.factories import StoreInfo
from tests.servers import ThreadServer, http_client, wait_for
from tests.webhooks.helpers import blacklist_new_guest
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The receiver listens on 127.0.0.1, which only this setting allows."""
    return settings.model_copy(update={"webhooks_allow_private": True,
                                       "webhooks_retry_seconds": 0.1})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


async def test_admin_adds_an_endpoint_and_reads_its_log(
        make_page: MakePage, server: ThreadServer, store: StoreInfo, db: Database,
        receiver: Receiver) -> None:
    seen = Violations()
    page = await seen.watch(await make_page())
    await page.goto(f"{server.url}/admin/#webhooks")
    await staff_login(page, server.url, store.admin_login)
    await expect(page.get_by_test_id("tab-webhooks")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_test_id("webhooks-none")).to_have_text("まだ送信先はありません。")

    await page.get_by_test_id("webhook-url").fill(receiver.url)
    await page.get_by_test_id("webhook-event-guest.blacklisted").check()
    await page.get_by_test_id("webhook-create").click()
    await expect(page.get_by_test_id("webhook-fresh")).to_contain_text("表示されるのは今だけです")
    secret = await page.get_by_test_id("webhook-secret").input_value()
    assert secret.startswith("whsec_")
    row = page.get_by_test_id("webhook-row")
    await expect(row.get_by_test_id("webhook-state")).to_have_text("有効")
    await expect(row).to_contain_text("ブラックリスト登録")
    await screenshot(page, "admin-webhooks-created", full_page=True)
    await assert_accessible(page, "admin-webhooks")
    await page.get_by_test_id("webhook-fresh-done").click()

    async with http_client(base_url=server.url, timeout=10) as staff:
        await login(staff, store.admin_login)
        await blacklist_new_guest(db, staff, store.store_id)
    await wait_for(lambda: receiver.count() == 1, timeout=10)
    assert receiver.received[0].verified(secret)["type"] == "guest.blacklisted"
    await row.get_by_test_id("webhook-log-toggle").click()
    line = page.get_by_test_id("webhook-log-row")
    await expect(line.get_by_test_id("webhook-log-status")).to_have_text("配信済み")
    await expect(line).to_contain_text("200")
    await screenshot(page, "admin-webhooks-log", full_page=True)
    await line.get_by_test_id("webhook-resend").click()
    await expect(page.get_by_test_id("webhooks-done")).to_contain_text("再送を予約しました")
    await wait_for(lambda: receiver.count() == 2, timeout=10)
    assert secret not in await page.content() or await page.get_by_test_id(
        "webhook-secret").count() == 0
    assert await seen.all() == []
