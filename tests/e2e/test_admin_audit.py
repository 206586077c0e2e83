"""The admin reads the audit log in Japanese: who did what, from where; filters it and
downloads the CSV (issue 17 item 5)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from chats.config import Settings
from tests.api.helpers import login
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_csp import Violations, staff_login
from tests.factories import StoreInfo
from tests.servers import ThreadServer, http_client

pytestmark = pytest.mark.e2e

CLIENT = "203.0.113.7"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """127.0.0.1 is the trusted proxy: the forwarded address is the client's."""
    return settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})


async def test_admin_reads_filters_and_exports_the_audit_log(
        make_page: MakePage, server: ThreadServer, store: StoreInfo) -> None:
    async with http_client(base_url=server.url, timeout=10,
                           headers={"X-Forwarded-For": CLIENT}) as admin:
        await login(admin, store.admin_login)
        r = await admin.post("/api/staff", json={"login_id": "hanako", "password": "hanako-pass-1",
                                                 "name": "花子", "role": "agent"})
        assert r.status_code == 201, r.text
        r = await admin.patch(f"/api/staff/{r.json()['id']}", json={"active": False})
        assert r.status_code == 200, r.text
        r = await admin.post("/api/admin/tokens", json={"name": "受注システム", "scope": "read"})
        assert r.status_code == 201, r.text

    seen = Violations()
    page = await seen.watch(await make_page())
    await page.goto(f"{server.url}/admin/#audit")
    await staff_login(page, server.url, store.admin_login)
    await expect(page.get_by_test_id("tab-audit")).to_have_text("操作履歴")
    rows = page.get_by_test_id("audit-row")
    await expect(rows).to_have_count(3)
    await expect(rows.get_by_test_id("audit-row-action")).to_have_text(
        ["API トークンを作成", "担当者を無効化", "担当者を追加"])
    await expect(rows.nth(2).get_by_test_id("audit-row-details")).to_contain_text(
        "ログインID: hanako")
    await expect(rows.nth(0).get_by_test_id("audit-row-address")).to_have_text(CLIENT)
    await expect(rows.nth(0).get_by_test_id("audit-row-actor")).to_have_text(store.admin_login)
    await screenshot(page, "admin-audit", full_page=True)
    await assert_accessible(page, "admin-audit")

    await page.get_by_test_id("audit-action").select_option("staff.disabled")
    await page.get_by_test_id("audit-show").click()
    await expect(rows).to_have_count(1)
    await expect(rows.get_by_test_id("audit-row-action")).to_have_text("担当者を無効化")
    async with page.expect_download() as info:
        await page.get_by_test_id("audit-csv").click()
    download = await info.value
    path = await download.path()
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("time,action,actor_kind,actor,")
    assert len(lines) == 3 and "staff.disabled" in lines[1] and lines[2] == ""
    assert await seen.all() == []
