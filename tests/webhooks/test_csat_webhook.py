"""Issue 19: a guest's rating is delivered as `conversation.rated`, signed, to its store only."""

from __future__ import annotations

from chats.db.engine import Database
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.servers import ThreadServer, wait_for
from tests.webhooks.helpers import add_webhook
from tests.webhooks.receiver import Receiver


async def test_rating_is_a_webhook_event(server: ThreadServer, db: Database,
                                         receiver: Receiver) -> None:
    s = await two_stores(db)
    other = Receiver().start()
    try:
        async with staff_client(server, s.a.admin_login) as admin, \
                staff_client(server, s.b.admin_login) as admin_b:
            _, secret = await add_webhook(admin, receiver.url, ["conversation.rated"])
            await add_webhook(admin_b, other.url, ["conversation.rated"])
            r = await admin.put("/api/admin/csat", json={"enabled": True})
            assert r.status_code == 200
        chat = await open_chat(server, s.a, s.a.admin_login)
        await chat.staff.send({"type": "end", "conversation_id": chat.conversation_id})
        await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
        await chat.guest.send({"type": "rate", "conversation_id": chat.conversation_id,
                               "score": 2, "comment": "待ち時間が長かった"})
        await chat.guest.expect("rated")
        await chat.guest.close()
        await chat.staff.close()
        await wait_for(lambda: receiver.count() >= 1, timeout=15)
        [payload] = [r.verified(secret) for r in receiver.received]
        assert payload["type"] == "conversation.rated"
        assert payload["data"]["conversation"]["id"] == chat.conversation_id
        assert payload["data"]["rating"]["score"] == 2
        assert payload["data"]["rating"]["comment"] == "待ち時間が長かった"
        assert other.count() == 0
    finally:
        other.stop()
