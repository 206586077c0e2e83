"""Offline replies (M1) and the e-mail notice (M2), read by the guest on its next visit (G7)."""

from __future__ import annotations

from sqlalchemy import func, select

from chats.db.engine import Database
from chats.db.models import MailOutbox
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.realtime.clients import Guest
from tests.servers import ThreadServer


async def test_offline_reply_waits_for_the_guest(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    gid, token = chat.guest.guest_id, chat.guest.token
    async with staff_client(server, s.agent_login) as agent:
        # While the guest is chatting, the reply belongs in the chat.
        r = await agent.post(f"/api/guests/{gid}/messages", json={"text": "こんにちは"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
        await chat.staff.send({"type": "end", "conversation_id": chat.conversation_id})
        await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
        await chat.guest.close()

        r = await agent.post(f"/api/guests/{gid}/messages",
                             json={"text": "  先日のお問い合わせの件です。  "})
        assert r.status_code == 201, r.text
        first = r.json()["message"]
        assert first["text"] == "先日のお問い合わせの件です。" and first["author"] == "staff"
        assert r.json()["notified"] is False
        r = await agent.post(f"/api/guests/{gid}/messages", json={"text": "追伸です。"})
        second = r.json()["message"]
        # Consecutive offline replies share one offline conversation.
        assert second["conversation_id"] == first["conversation_id"]
        assert second["seq"] == first["seq"] + 1

        row = (await agent.get("/api/guests")).json()["guests"][0]
        assert row["sent_to_guest"] == 2 and row["unread_by_guest"] == 2
        detail = (await agent.get(f"/api/guests/{gid}")).json()
        offline = detail["conversations"][0]
        assert offline["kind"] == "offline" and offline["status"] == "ended"

        for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * 4001}):
            r = await agent.post(f"/api/guests/{gid}/messages", json=bad)
            assert r.status_code in (400, 413, 422), bad

    # The guest's next visit shows the replies (G7) and reading them clears the flag.
    back = await Guest.connect(server.ws_url, s.a.widget_key, token=token)
    assert back.welcome["unread"] >= 1
    assert back.welcome["conversation"]["id"] == first["conversation_id"]
    shown = await back.expect("message", lambda f: f["seq"] == second["seq"])
    await back.send({"type": "read", "conversation_id": shown["conversation_id"],
                     "seq": shown["seq"]})
    async with staff_client(server, s.agent_login) as agent:
        from tests.servers import wait_for

        async def read_by_guest() -> bool:
            row = (await agent.get("/api/guests")).json()["guests"][0]
            return bool(row["unread_by_guest"] == 0 and row["sent_to_guest"] == 2)

        await wait_for(read_by_guest)
    await back.close()
    await chat.staff.close()


async def test_offline_reply_reaches_a_connected_guest_socket(server: ThreadServer,
                                                              db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    await chat.staff.send({"type": "end", "conversation_id": chat.conversation_id})
    await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
    async with staff_client(server, s.a.admin_login) as admin:
        r = await admin.post(f"/api/guests/{chat.guest.guest_id}/messages", json={"text": "届く?"})
        assert r.status_code == 201
    got = await chat.guest.expect("message", lambda f: f["text"] == "届く?")
    assert got["author"] == "staff"
    await chat.staff.expect("guest_updated")
    await chat.guest.close()
    await chat.staff.close()


async def test_email_notice_needs_an_address(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    gid = chat.guest.guest_id
    await chat.staff.send({"type": "end", "conversation_id": chat.conversation_id})
    await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
    async with staff_client(server, s.agent_login) as agent:
        r = await agent.post(f"/api/guests/{gid}/messages",
                             json={"text": "メールでお知らせします", "notify_email": True})
        assert r.status_code == 422
        assert "メールアドレス" in r.json()["error"]["message"]
        # Nothing was stored either.
        assert (await agent.get("/api/guests")).json()["guests"][0]["sent_to_guest"] == 0

        await agent.patch(f"/api/guests/{gid}", json={"profile": {"email": "taro@example.jp"}})
        r = await agent.post(f"/api/guests/{gid}/messages",
                             json={"text": "メールでお知らせします", "notify_email": True})
        assert r.status_code == 201, r.text
        assert r.json()["notified"] is True
    async with db.read() as session:
        rows = list(await session.scalars(select(MailOutbox)))
        assert [m.to_addr for m in rows] == ["taro@example.jp"]
        assert await session.scalar(select(func.count()).select_from(MailOutbox)) == 1
    await chat.guest.close()
    await chat.staff.close()
