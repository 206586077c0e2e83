"""Upgrading a database made by an earlier schema, with data in it (issue 18, item 3)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import JSON, Boolean, Integer, String, column, insert, table

from chats.config import Settings
from chats.db.engine import Database
from chats.db.migrate import upgrade
from chats.db.models import UTCDateTime
from chats.ids import new_id, utcnow
from chats.services.passwords import new_password_hash
from tests.api.helpers import login
from tests.factories import PASSWORD
from tests.ops.helpers import chats_command, empty_database
from tests.servers import ProcessServer, env_for, http_client

NOW = utcnow() - timedelta(days=3)
S, N, B, J, T = String, Integer, Boolean, JSON, UTCDateTime

# The tables as the first schema (0001) made them: the upgrade walks every migration.
STORES = table("stores", *(column(n, t()) for n, t in [
    ("id", S), ("name", S), ("widget_key", S), ("locale", S), ("theme", J),
    ("button_images", J), ("allowed_origins", J), ("created_at", T)]))
STAFF = table("staff", *(column(n, t()) for n, t in [
    ("id", S), ("store_id", S), ("login_id", S), ("name", S), ("role", S), ("max_chats", N),
    ("active", B), ("sound_enabled", B), ("notify_left_messages", B), ("password_hash", S),
    ("password_changed_at", T), ("created_at", T)]))
GUESTS = table("guests", *(column(n, t()) for n, t in [
    ("id", S), ("store_id", S), ("token_hash", S), ("nickname", S), ("profile", J),
    ("notes", S), ("blacklisted", B), ("search_text", S), ("first_seen_at", T),
    ("last_seen_at", T)]))
CONVERSATIONS = table("conversations", *(column(n, t()) for n, t in [
    ("id", S), ("store_id", S), ("guest_id", S), ("staff_id", S), ("kind", S), ("status", S),
    ("nickname", S), ("last_seq", N), ("guest_read_seq", N), ("staff_read_seq", N),
    ("created_at", T), ("claimed_at", T), ("ended_at", T), ("end_reason", S)]))
MESSAGES = table("messages", *(column(n, t()) for n, t in [
    ("id", S), ("conversation_id", S), ("store_id", S), ("seq", N), ("author", S),
    ("staff_id", S), ("client_msg_id", S), ("kind", S), ("text", S), ("created_at", T)]))


async def _old_data(url: str) -> dict[str, str]:
    ids = {k: new_id() for k in ("store", "staff", "guest", "conversation")}
    password_hash = await new_password_hash(PASSWORD)
    db = Database(url)
    try:
        async with db.write() as s:
            await s.execute(insert(STORES).values(
                id=ids["store"], name="旧店舗", widget_key=new_id(), locale="ja", theme={},
                button_images={}, allowed_origins=[], created_at=NOW))
            await s.execute(insert(STAFF).values(
                id=ids["staff"], store_id=ids["store"], login_id="oldadmin", name="旧管理者",
                role="admin", max_chats=3, active=True, sound_enabled=True,
                notify_left_messages=True, password_hash=password_hash,
                password_changed_at=NOW, created_at=NOW))
            await s.execute(insert(GUESTS).values(
                id=ids["guest"], store_id=ids["store"], token_hash="0" * 64, nickname="常連",
                profile={}, notes="", blacklisted=False, search_text="常連", first_seen_at=NOW,
                last_seen_at=NOW))
            await s.execute(insert(CONVERSATIONS).values(
                id=ids["conversation"], store_id=ids["store"], guest_id=ids["guest"],
                staff_id=ids["staff"], kind="chat", status="ended", nickname="常連", last_seq=2,
                guest_read_seq=2, staff_read_seq=2, created_at=NOW, claimed_at=NOW,
                ended_at=NOW, end_reason="staff_ended"))
            for seq, author, text in [(1, "guest", "在庫はありますか"), (2, "staff", "ございます")]:
                await s.execute(insert(MESSAGES).values(
                    id=new_id(), conversation_id=ids["conversation"], store_id=ids["store"],
                    seq=seq, author=author, kind="text", text=text, created_at=NOW,
                    staff_id=ids["staff"] if author == "staff" else None,
                    client_msg_id=f"c{seq}"))
            await s.commit()
    finally:
        await db.dispose()
    return ids


async def test_upgrade_keeps_the_first_schemas_data(settings: Settings, tmp_path: Path) -> None:
    revision = "0001"
    async with empty_database() as pg_url:
        url = pg_url or f"sqlite:///{tmp_path / 'old' / 'chats.db'}"
        await asyncio.to_thread(upgrade, url, revision)
        ids = await _old_data(url)
        env = {**env_for(settings), "CHATS_DATABASE_URL": url}
        code, state, _ = await chats_command(env, "migrate", "--check")
        assert code == 1 and state["current"] == revision and state["pending"]
        assert state["pending"][-1] == state["head"]
        code, _, err = await chats_command(env, "migrate")
        assert code == 0, err
        code, state, _ = await chats_command(env, "migrate", "--check")
        assert code == 0 and state["pending"] == [] and state["current"] == state["head"]
        srv = ProcessServer(env=env, log_path=tmp_path / "server.log").start()
        try:
            async with http_client(base_url=srv.url, timeout=10) as c:
                await login(c, "oldadmin")
                r = await c.get(f"/api/conversations/{ids['conversation']}/messages")
        finally:
            srv.stop()
    assert r.status_code == 200, r.text
    assert [m["text"] for m in r.json()["messages"]] == ["在庫はありますか", "ございます"]
