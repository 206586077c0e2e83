"""An admin makes an API token in the admin menu (ja), an integrator uses it, the admin sees
the last use and revokes it (issue 17 item 1)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import MakePage, screenshot
from tests.e2e.test_csp import Violations, staff_login
from tests.factories import StoreInfo
from tests.servers import ThreadServer, http_client

pytestmark = pytest.mark.e2e


async def test_admin_creates_uses_and_revokes_a_token(make_page: MakePage, server: ThreadServer,
                                                      store: StoreInfo) -> None:
    seen = Violations()
    page = await seen.watch(await make_page())
    await page.goto(f"{server.url}/admin/#tokens")
    await staff_login(page, server.url, store.admin_login)
    await expect(page.get_by_test_id("tab-tokens")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_test_id("tab-tokens")).to_have_text("API トークン")
    await expect(page.get_by_test_id("tokens-none")).to_have_text("まだトークンはありません。")

    await page.get_by_test_id("token-name").fill("受注システム")
    await page.get_by_test_id("token-scope-write").check()
    await page.get_by_test_id("token-create").click()
    fresh = page.get_by_test_id("token-fresh")
    await expect(fresh).to_contain_text("表示されるのは今だけです")
    token = await page.get_by_test_id("token-value").input_value()
    assert token.startswith("chats_")
    row = page.get_by_test_id("token-row")
    await expect(row).to_contain_text("受注システム")
    await expect(row).to_contain_text("読み取りと書き込み")
    await expect(row.get_by_test_id("token-last-used")).to_have_text("未使用")
    await screenshot(page, "admin-tokens-created", full_page=True)
    await assert_accessible(page, "admin-tokens")

    async with http_client(base_url=server.url, timeout=10,
                           headers={"Authorization": f"Bearer {token}"}) as api:
        assert (await api.get("/api/v1/conversations")).status_code == 200
        await page.get_by_test_id("token-fresh-done").click()
        await expect(fresh).to_have_count(0)
        await page.reload()
        await expect(row.get_by_test_id("token-last-used")).not_to_have_text("未使用")
        assert token not in await page.content()

        await row.get_by_test_id("token-revoke").click()
        await page.get_by_test_id("token-revoke-confirm").click()
        await expect(row.get_by_test_id("token-state")).to_contain_text("取り消し済み")
        await expect(page.get_by_test_id("tokens-done")).to_contain_text("もう使えません")
        await screenshot(page, "admin-tokens-revoked", full_page=True)
        refused = await api.get("/api/v1/conversations")
        assert refused.status_code == 401
    assert await seen.all() == []
