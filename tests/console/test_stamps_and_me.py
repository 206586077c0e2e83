"""Stamps for the palette (S4.4) and the staff member's own sound preference (S1.4)."""

from __future__ import annotations

from chats.db.engine import Database
from chats.services.stamps import BUILTIN
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.servers import Site, ThreadServer, http_client


async def test_stamps_list_and_sending_a_stamp(server: ThreadServer, db: Database) -> None:
    s = await two_stores(db)
    async with http_client(base_url=server.url) as anonymous:
        assert (await anonymous.get("/api/stamps")).status_code == 401
    async with staff_client(server, s.agent_login) as agent:
        stamps = (await agent.get("/api/stamps")).json()["stamps"]
        assert len(stamps) == len(BUILTIN) >= 12
        first = stamps[0]
        assert first == {"code": "thanks", "label": "ありがとうございます",
                         "url": "/static/stamps/thanks.svg", "builtin": True}
        english = (await agent.get("/api/stamps", headers={"Accept-Language": "en"})).json()
        assert english["stamps"][0]["label"] == "Thank you"
    chat = await open_chat(server, s.a, s.a.admin_login)
    await chat.staff.send({"type": "send", "conversation_id": chat.conversation_id,
                           "client_msg_id": "stamp-1", "kind": "stamp", "stamp": "thanks"})
    got = await chat.guest.expect("message", lambda f: f["kind"] == "stamp")
    assert got["stamp"] == "thanks"
    await chat.guest.close()
    await chat.staff.close()


async def test_own_sound_preference(web: Site, db: Database) -> None:
    s = await two_stores(db)
    async with staff_client(web, s.agent_login) as agent:
        r = await agent.patch("/api/auth/me", json={"sound_enabled": False})
        assert r.status_code == 200 and r.json() == {"sound_enabled": False}
        me = (await agent.get("/api/auth/me")).json()
        assert me["staff"]["sound_enabled"] is False
        assert (await agent.patch("/api/auth/me", json={"role": "admin"})).status_code == 422
        token = agent.headers.pop("X-CSRF-Token")
        assert (await agent.patch("/api/auth/me", json={"sound_enabled": True})).status_code \
            == 403
        agent.headers["X-CSRF-Token"] = token
