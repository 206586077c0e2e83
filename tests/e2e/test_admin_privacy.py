"""An admin sets the retention period, exports a guest's data as a ZIP and erases the guest
after a confirmation naming them, in the admin menu in Japanese (issue 17 item 4)."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from chats.db.engine import Database
from chats.db.models import AuditEntry, Guest, Store
from chats.ids import utcnow
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_csp import Violations, staff_login
from tests.factories import StoreInfo, create_guest, create_past_conversation
from tests.servers import ThreadServer

pytestmark = pytest.mark.e2e


async def test_admin_exports_and_erases_a_guest(make_page: MakePage, server: ThreadServer,
                                                store: StoreInfo, db: Database,
                                                tmp_path: object) -> None:
    guest_id = await create_guest(db, store_id=store.store_id, nickname="たろう",
                                  profile={"name": "山田太郎"})
    await create_past_conversation(db, store_id=store.store_id, guest_id=guest_id,
                                   created_at=utcnow() - timedelta(hours=1))
    seen = Violations()
    page = await seen.watch(await make_page())
    await page.goto(f"{server.url}/admin/#privacy")
    await staff_login(page, server.url, store.admin_login)
    await expect(page.get_by_test_id("tab-privacy")).to_have_text("個人情報")

    await page.get_by_test_id("retention-days").fill("90")
    await page.get_by_test_id("retention-save").click()
    await expect(page.get_by_test_id("retention-done")).to_have_text("保存期間を90日にしました")

    await page.get_by_test_id("privacy-search").click()
    row = page.get_by_test_id("privacy-row")
    await expect(row).to_contain_text("山田太郎")
    await screenshot(page, "admin-privacy", full_page=True)
    await assert_accessible(page, "admin-privacy")

    async with page.expect_download() as waiting:
        await row.get_by_test_id("privacy-export").click()
    download = await waiting.value
    saved = await download.path()
    data = json.loads(zipfile.ZipFile(saved).read("guest.json"))
    assert data["guest"]["id"] == guest_id
    await expect(page.get_by_test_id("privacy-done")).to_contain_text("書き出しました")

    await row.get_by_test_id("privacy-erase").click()
    dialog = page.get_by_test_id("privacy-erase-dialog")
    await expect(dialog).to_contain_text("山田太郎さんのデータを削除しますか？")
    await screenshot(page, "admin-privacy-erase-dialog")
    await dialog.get_by_test_id("privacy-erase-confirm").click()
    done = page.get_by_test_id("privacy-done")
    await expect(done).to_have_text("山田太郎さんのデータを削除しました")
    await expect(dialog).to_have_count(0)
    await expect(row).to_contain_text("（名前なし）")
    await expect(row.get_by_test_id("privacy-erased")).to_contain_text("削除済み")
    await expect(row.get_by_test_id("privacy-erase")).to_be_disabled()
    await screenshot(page, "admin-privacy-erased", full_page=True)

    async with db.read() as session:
        guest = await session.get(Guest, guest_id)
        store_row = await session.get(Store, store.store_id)
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert guest is not None and guest.erased_at is not None and guest.profile == {}
    assert store_row is not None and store_row.retention_days == 90
    assert {"guest.exported", "guest.erased", "settings.retention"} <= actions
    assert await seen.all() == []
