"""Issue 12: a store's uploads are bounded by CHATS_UPLOAD_QUOTA_BYTES, whoever uploads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import Upload
from tests.admin.pictures import picture
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.servers import ThreadServer

QUOTA = 100
NOTE = "ご案内です。在庫は十分にございます。\n".encode()  # 55 bytes: one fits, two do not


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with a tiny per-store quota."""
    return settings.model_copy(update={"upload_quota_bytes": QUOTA})


def stored_files(settings: Settings) -> list[Path]:
    return [p for p in Path(settings.uploads_dir).rglob("*") if p.is_file()]


async def uploads_of(db: Database, store_id: str) -> int:
    async with db.read() as session:
        n = await session.scalar(select(func.count()).select_from(Upload)
                                 .where(Upload.store_id == store_id))
        return int(n or 0)


async def test_an_upload_past_the_quota_is_refused_and_nothing_is_stored(
        server: ThreadServer, db: Database, settings: Settings) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    url = f"/api/conversations/{chat.conversation_id}/files"
    async with staff_client(server, s.a.admin_login) as admin:
        r = await admin.post(url, files={"file": ("note.txt", NOTE, "text/plain")})
        assert r.status_code == 201, r.text
        r = await admin.post(url, files={"file": ("again.txt", NOTE, "text/plain")})
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "too_large"
        assert "ファイル保存容量" in r.json()["error"]["message"]
        r = await admin.post(url, files={"file": ("again.txt", NOTE, "text/plain")},
                             headers={"Accept-Language": "en"})
        assert "storage" in r.json()["error"]["message"]
        # The admin's pictures count against the same quota.
        r = await admin.put("/api/admin/buttons/away",
                            files={"file": ("b.png", picture(100, 120), "image/png")})
        assert r.status_code == 413, r.text
    assert await uploads_of(db, s.a.store_id) == 1
    assert len(stored_files(settings)) == 1
    # Only the first file reached the guest as a message.
    await chat.guest.expect("message", lambda f: f["kind"] == "file")
    assert [f["file"]["name"] for f in chat.guest.frames
            if f.get("type") == "message" and f["kind"] == "file"] == ["note.txt"]
    # Another store's quota is its own.
    other = await open_chat(server, s.b, s.b.admin_login)
    async with staff_client(server, s.b.admin_login) as admin_b:
        r = await admin_b.post(f"/api/conversations/{other.conversation_id}/files",
                               files={"file": ("note.txt", NOTE, "text/plain")})
        assert r.status_code == 201, r.text
    for c in (chat, other):
        await c.guest.close()
        await c.staff.close()
