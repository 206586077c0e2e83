"""The link in an e-mail notice (M2) opens the panel on the guest's conversation."""

from __future__ import annotations

import pytest
from playwright.async_api import Request, expect

from chats.config import Settings
from chats.mail.links import sign_mail_link
from tests.e2e.conftest import PHONE, MakePage, screenshot
from tests.factories import StoreInfo
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer


@pytest.mark.e2e
async def test_mail_link_shows_the_reply(make_page: MakePage, server: ThreadServer,
                                         store: StoreInfo, settings: Settings) -> None:
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest = await Guest.connect(server.ws_url, store.widget_key)
    cid = (await guest.start("メール太郎"))["id"]
    await staff.claim(cid)
    await staff.say(cid, "ご注文の品は明日発送いたします。")
    await guest.close()
    link = sign_mail_link(settings.secret_key, guest.guest_id, cid, ttl_seconds=3600)
    page = await make_page(viewport=PHONE)
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r))
    await page.goto(f"{server.url}/widget/panel?store={store.widget_key}&mail={link}")
    await expect(page.get_by_text("ご注文の品は明日発送いたします。")).to_be_visible()
    await screenshot(page, "widget-mail-link-phone")

    # The token left the address bar and the history at once, and went nowhere else.
    assert page.url == f"{server.url}/widget/panel?store={store.widget_key}"
    assert requests[0].url.endswith(link)
    for request in requests[1:]:
        headers = await request.all_headers()
        assert link not in request.url and link not in headers.get("referer", ""), request.url
    # A reload still opens the conversation (the token is kept in the history entry).
    await page.reload()
    await expect(page.get_by_text("ご注文の品は明日発送いたします。")).to_be_visible()
    assert "mail=" not in page.url
    await staff.close()
