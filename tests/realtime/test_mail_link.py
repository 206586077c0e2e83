"""The e-mail notice's link (M2) opens that guest's conversation in the panel socket."""

from __future__ import annotations

from chats.config import Settings
from chats.mail.links import sign_mail_link
from tests.realtime.clients import Guest
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer


async def test_signed_link_opens_the_guests_conversation(chat: Chat, server: ThreadServer,
                                                         settings: Settings) -> None:
    cid = chat.conversation_id
    await chat.staff.say(cid, "在庫がございます")
    await chat.staff.send({"type": "end", "conversation_id": cid})
    await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
    last = max(m["seq"] for m in await _all_messages(chat))
    await chat.guest.send({"type": "read", "conversation_id": cid, "seq": last})
    await chat.staff.expect("read", lambda f: f["seq"] == last)
    link = sign_mail_link(settings.secret_key, chat.guest.guest_id, cid, ttl_seconds=3600)
    opened = await Guest.connect(server.ws_url, chat.store.widget_key, token=link)
    assert opened.guest_id == chat.guest.guest_id
    assert opened.welcome["conversation"]["id"] == cid
    assert opened.welcome["token"] == link
    await opened.expect("message", lambda f: f["text"] == "在庫がございます")
    forged = await Guest.connect(server.ws_url, chat.store.widget_key, token=link[:-2] + "xx")
    assert forged.guest_id != chat.guest.guest_id
    assert forged.welcome["conversation"] is None
    expired = sign_mail_link(settings.secret_key, chat.guest.guest_id, cid, ttl_seconds=-1)
    late = await Guest.connect(server.ws_url, chat.store.widget_key, token=expired)
    assert late.guest_id != chat.guest.guest_id
    for c in (opened, forged, late):
        await c.close()


async def _all_messages(chat: Chat) -> list[dict]:  # type: ignore[type-arg]
    await chat.guest.expect("message", lambda f: f["author"] == "system"
                            and f["text"] in ("チャットが終了しました。", "The chat has ended."))
    return chat.guest.messages(chat.conversation_id)
