"""`chats backup` during a live conversation, `chats restore` elsewhere: nothing acked is lost."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import create_store
from tests.ops.helpers import chats_command, empty_database
from tests.realtime.clients import Guest, Staff
from tests.servers import ProcessServer, env_for, http_client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _chat_until(stop: asyncio.Event, guest: Guest, staff: Staff, cid: str,
                      acks: list[tuple[float, dict[str, object]]]) -> None:
    loop = asyncio.get_running_loop()
    i = 0
    while not stop.is_set():
        # Paced under the sockets' rate limits (a guest 4/s, staff 50/s), so it can run
        # as long as the backup takes.
        if i % 10 == 0:
            acks.append((loop.time(), await guest.say(f"ゲスト {i}", f"g{i}")))
        acks.append((loop.time(), await staff.say(cid, f"staff {i}", f"s{i}")))
        await asyncio.sleep(0.025)
        i += 1


def _restored_env(settings: Settings, data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {**env_for(settings), "CHATS_DATA_DIR": str(data_dir)}
    env.pop("CHATS_DATABASE_URL")
    if database_url:
        env["CHATS_DATABASE_URL"] = database_url
    else:
        env.pop("CHATS_SECRET_KEY")  # one SQLite process: the restored key file must do
    return env


async def test_backup_during_a_conversation_restores_every_acked_message_and_file(
        settings: Settings, db: Database, tmp_path: Path) -> None:
    store = await create_store(db)
    env = env_for(settings)
    if db.is_sqlite:  # the secret key lives in the data directory's file, as it would
        env.pop("CHATS_SECRET_KEY")
    srv = ProcessServer(env=env, log_path=tmp_path / "server.log").start()
    dest = tmp_path / "backup"
    try:
        staff = await Staff.connect(srv.url, srv.ws_url, store.admin_login)
        guest = await Guest.connect(srv.ws_url, store.widget_key)
        cid = (await guest.start("バックアップ"))["id"]
        await staff.claim(cid)
        async with http_client(base_url=srv.url, timeout=10) as admin:
            await login(admin, store.admin_login)
            r = await admin.post(f"/api/conversations/{cid}/files",
                                 files={"file": ("見積書.pdf", PDF, "application/pdf")})
            assert r.status_code == 201, r.text
            file_url = r.json()["message"]["file"]["url"]
        acks: list[tuple[float, dict[str, object]]] = []
        stop = asyncio.Event()
        chatting = asyncio.create_task(_chat_until(stop, guest, staff, cid, acks))
        while len(acks) < 20:  # the conversation is under way before the backup starts
            await asyncio.sleep(0.01)
        started = asyncio.get_running_loop().time()
        code, out, err = await chats_command(env, "backup", str(dest))
        stop.set()
        await chatting
        assert code == 0, err
        assert out["database"] == ("sqlite" if db.is_sqlite else "postgresql")
        acked_before = [ack for at, ack in acks if at <= started]
        await guest.close()
        await staff.close()
    finally:
        srv.stop()
    manifest = json.loads((dest / "manifest.json").read_text())
    assert any(f["path"].startswith("uploads/") for f in manifest["files"])
    assert any(f["path"] == "secret_key" for f in manifest["files"]) == db.is_sqlite

    async with empty_database() as database_url:
        restored_env = _restored_env(settings, tmp_path / "restored", database_url)
        code, out, err = await chats_command(restored_env, "restore", str(dest))
        assert code == 0, err
        # A second restore over the first is refused: restore fills only empty places.
        code, _, err = await chats_command(restored_env, "restore", str(dest))
        assert code == 1 and "not empty" in err
        restarted = ProcessServer(env=restored_env, log_path=tmp_path / "restored.log").start()
        try:
            async with http_client(base_url=restarted.url, timeout=10) as c:
                await login(c, store.admin_login)
                page = (await c.get(f"/api/conversations/{cid}/messages",
                                    params={"limit": 500})).json()
                downloaded = await c.get(file_url)
        finally:
            restarted.stop()
    stored = {m["message_id"]: m for m in page["messages"]}
    assert len(acked_before) >= 20
    for ack in acked_before:
        assert stored[ack["message_id"]]["seq"] == ack["seq"]
    assert downloaded.status_code == 200 and downloaded.content == PDF


async def test_restore_refuses_a_damaged_backup(settings: Settings, db: Database,
                                                tmp_path: Path) -> None:
    await create_store(db)
    env = env_for(settings)
    dest = tmp_path / "backup"
    code, _, err = await chats_command(env, "backup", str(dest))
    assert code == 0, err
    code, _, err = await chats_command(env, "backup", str(dest))
    assert code == 1 and "not empty" in err
    database = "chats.db" if db.is_sqlite else "chats.pgdump"
    with (dest / database).open("r+b") as f:
        f.seek(200)
        f.write(b"\x00damaged\x00")
    async with empty_database() as database_url:
        target = tmp_path / "restored"
        code, _, err = await chats_command(_restored_env(settings, target, database_url),
                                           "restore", str(dest))
    assert code == 1 and "checksum" in err
    assert not target.exists()
