"""`chats stores`: list with usage, suspend and resume, rename, delete (issue 18, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import PASSWORD, StoreInfo, create_store
from tests.ops.helpers import chats_command
from tests.realtime.clients import Guest, Staff, WsClient
from tests.servers import ProcessServer, env_for, http_client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _closed(client: WsClient) -> int | None:
    """Read frames until the server closes the socket; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await client.recv(timeout=5)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def _hello(ws_url: str, widget_key: str) -> dict[str, object]:
    """The first frame a widget gets for this store's key."""
    async with connect(f"{ws_url}/ws/guest") as ws:
        await ws.send(json.dumps({"type": "hello", "store": widget_key}))
        frame: dict[str, object] = json.loads(await ws.recv())
        return frame


async def _login_status(url: str, login_id: str) -> int:
    async with http_client(base_url=url, timeout=10) as c:
        r = await c.post("/api/auth/login", json={"login_id": login_id, "password": PASSWORD})
        return r.status_code


async def _chat(staff_srv: ProcessServer, guest_srv: ProcessServer,
                store: StoreInfo) -> tuple[Staff, Guest, str]:
    staff = await Staff.connect(staff_srv.url, staff_srv.ws_url, store.admin_login)
    guest = await Guest.connect(guest_srv.ws_url, store.widget_key)
    cid = (await guest.start("停止テスト"))["id"]
    await staff.claim(cid)
    await guest.say("こんにちは")
    return staff, guest, cid


async def test_suspend_hides_the_widget_and_locks_out_the_staff(
        settings: Settings, db: Database, tmp_path: Path) -> None:
    store, other = await create_store(db), await create_store(db)
    env = env_for(settings)
    # Staff on one process, guests on another: on PostgreSQL + Redis the suspension
    # must reach both. One SQLite process serves both roles.
    a = ProcessServer(env=env, log_path=tmp_path / "a.log").start()
    b = ProcessServer(env=env, log_path=tmp_path / "b.log").start() if settings.redis_url else a
    try:
        staff, guest, _ = await _chat(a, b, store)
        other_staff, other_guest, _ = await _chat(a, b, other)
        code, out, err = await chats_command(env, "stores", "suspend", "--", store.widget_key)
        assert code == 0, err
        assert out["suspended"] is True and out["id"] == store.store_id
        if settings.redis_url:  # the broker reaches the sockets of every process
            assert await _closed(staff) == 1008
            assert await _closed(guest) == 1008
        for srv in (a, b) if b is not a else (a,):
            refusal = await _hello(srv.ws_url, store.widget_key)
            assert refusal["type"] == "error" and refusal["code"] == "not_found"
            assert await _login_status(srv.url, store.admin_login) == 401
            async with http_client(base_url=srv.url, cookies={
                    "chats_session": staff.cookie}) as old_session:
                assert (await old_session.get("/api/auth/me")).status_code == 401
        # The other store carries on.
        assert (await other_guest.say("まだ話せます"))["type"] == "ack"
        assert await _login_status(a.url, other.admin_login) == 200
        code, listed, _ = await chats_command(env, "stores", "list", "--json")
        by_id = {s["id"]: s for s in listed}
        assert by_id[store.store_id]["suspended"] and not by_id[other.store_id]["suspended"]
        assert by_id[store.store_id]["messages"] >= 1 and by_id[store.store_id]["guests"] == 1

        code, out, err = await chats_command(env, "stores", "resume", store.store_id)
        assert code == 0 and out["suspended"] is False, err
        assert await _login_status(a.url, store.admin_login) == 200
        welcome = await _hello(b.ws_url, store.widget_key)
        assert welcome["type"] == "welcome"
        for client in (staff, guest, other_staff, other_guest):
            await client.close()
    finally:
        a.stop()
        b.stop()


async def test_rename_list_and_delete_with_files(settings: Settings, db: Database,
                                                tmp_path: Path) -> None:
    store, other = await create_store(db), await create_store(db)
    env = env_for(settings)
    srv = ProcessServer(env=env, log_path=tmp_path / "server.log").start()
    try:
        staff, guest, cid = await _chat(srv, srv, store)
        async with http_client(base_url=srv.url, timeout=10) as c:
            await login(c, store.admin_login)
            r = await c.post(f"/api/conversations/{cid}/files",
                             files={"file": ("請求書.pdf", PDF, "application/pdf")})
            assert r.status_code == 201, r.text
        await staff.close()
        await guest.close()
    finally:
        srv.stop()
    code, out, err = await chats_command(env, "stores", "rename", store.store_id, "  新しい名前  ")
    assert code == 0 and out["name"] == "新しい名前", err
    code, table, _ = await chats_command(env, "stores", "list")
    assert code == 0 and "新しい名前" in table and table.startswith("id ")
    code, listed, _ = await chats_command(env, "stores", "list", "--json")
    usage = {s["id"]: s for s in listed}[store.store_id]
    assert usage["name"] == "新しい名前" and usage["storage_bytes"] == len(PDF)
    assert usage["conversations"] == 1 and usage["staff"] == 1
    files = [p for p in settings.uploads_dir.rglob("*") if p.is_file()]
    assert len(files) == 1

    # Not on a terminal and without --yes: nothing is deleted.
    code, _, err = await chats_command(env, "stores", "delete", store.store_id)
    assert code == 1 and "--yes" in err
    code, out, err = await chats_command(env, "stores", "delete", store.store_id, "--yes")
    assert code == 0 and out["deleted"] and out["files_removed"] == 1, err
    assert not files[0].exists()
    code, listed, _ = await chats_command(env, "stores", "list", "--json")
    assert [s["id"] for s in listed] == [other.store_id]
    code, _, err = await chats_command(env, "stores", "suspend", store.store_id)
    assert code == 1 and "no store" in err
