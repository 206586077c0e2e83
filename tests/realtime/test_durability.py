"""An ack means stored: SIGKILL right after acks loses nothing (protocol §3)."""

from __future__ import annotations

from pathlib import Path

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import create_store
from tests.realtime.clients import Guest, Staff
from tests.servers import ProcessServer, env_for, http_client


async def test_every_acked_message_survives_sigkill(settings: Settings, db: Database,
                                                    tmp_path: Path) -> None:
    store = await create_store(db)
    srv = ProcessServer(env=env_for(settings), log_path=tmp_path / "server.log").start()
    try:
        staff = await Staff.connect(srv.url, srv.ws_url, store.admin_login)
        guest = await Guest.connect(srv.ws_url, store.widget_key)
        cid = (await guest.start("耐久"))["id"]
        await staff.claim(cid)
        n = 25
        for i in range(n):
            await guest.send({"type": "send", "client_msg_id": f"g{i}", "text": f"guest {i}"})
            await staff.send({"type": "send", "conversation_id": cid, "client_msg_id": f"s{i}",
                              "kind": "text", "text": f"staff {i}"})
        guest_acks = [await guest.expect("ack", lambda f, i=i: f["client_msg_id"] == f"g{i}")
                      for i in range(n)]
        staff_acks = [await staff.expect("ack", lambda f, i=i: f["client_msg_id"] == f"s{i}")
                      for i in range(n)]
        srv.kill()  # the moment the last ack arrived; no shutdown code runs
        await guest.close()  # the sockets died with the server; free them here, not in a later test
        await staff.close()
    finally:
        srv.kill()
    restarted = ProcessServer(env=env_for(settings), log_path=tmp_path / "server2.log").start()
    try:
        async with http_client(base_url=restarted.url) as c:
            await login(c, store.admin_login)
            page = (await c.get(f"/api/conversations/{cid}/messages",
                                params={"limit": 500})).json()
        stored = {m["message_id"]: m for m in page["messages"]}
        for ack in guest_acks + staff_acks:
            assert ack["message_id"] in stored
            assert stored[ack["message_id"]]["seq"] == ack["seq"]
        seqs = [m["seq"] for m in page["messages"]]
        assert seqs == list(range(1, len(seqs) + 1))
        # The resent frames after the restart are recognised, not stored twice.
        guest2 = await Guest.connect(restarted.ws_url, store.widget_key, token=guest.token)
        again = await guest2.say("guest 0", "g0")
        assert again["message_id"] == guest_acks[0]["message_id"]
        await guest2.close()
    finally:
        restarted.stop()
