"""File upload in a chat (S5.1): who may upload, and every kind of refused file (issue 5)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from chats.config import Settings
from chats.db.engine import Database
from tests.console.helpers import Chat, open_chat, staff_client, two_stores
from tests.servers import ThreadServer, http_client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_with_metadata() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-location")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue() + b"<script>alert(1)</script>"


async def _chat(server: ThreadServer, db: Database) -> tuple[Chat, str, str, str]:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    return chat, s.a.admin_login, s.agent_login, s.b.admin_login


async def test_image_is_reencoded_and_served_as_download(server: ThreadServer,
                                                         db: Database) -> None:
    chat, admin_login, _, _ = await _chat(server, db)
    url = f"/api/conversations/{chat.conversation_id}/files"
    async with staff_client(server, admin_login) as admin:
        r = await admin.post(url, files={"file": ("写真.png", png_with_metadata(), "image/png")})
        assert r.status_code == 201, r.text
        message = r.json()["message"]
        assert message["kind"] == "file" and message["file"]["name"] == "写真.png"
        assert message["file"]["content_type"] == "image/png"
        got = await chat.guest.expect("message", lambda f: f["kind"] == "file")
        assert got["file"]["url"] == message["file"]["url"]
    # The guest downloads it without any cookie.
    async with http_client(base_url=server.url) as guest_http:
        r = await guest_http.get(got["file"]["url"])
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert b"secret-location" not in r.content and b"<script>" not in r.content
    assert Image.open(io.BytesIO(r.content)).size == (40, 30)
    await chat.guest.close()
    await chat.staff.close()


async def test_documents_and_names(server: ThreadServer, db: Database,
                                   settings: Settings) -> None:
    chat, admin_login, _, _ = await _chat(server, db)
    url = f"/api/conversations/{chat.conversation_id}/files"
    async with staff_client(server, admin_login) as admin:
        r = await admin.post(url, files={"file": ("../../etc/passwd.pdf", PDF,
                                                  "application/pdf")})
        assert r.status_code == 201, r.text
        assert r.json()["message"]["file"]["name"] == "passwd.pdf"
        r = await admin.post(url, files={"file": ("..\\..\\メモ.txt", "ご案内です。\n".encode(),
                                                  "text/plain")})
        assert r.status_code == 201
        assert r.json()["message"]["file"]["name"] == "メモ.txt"
        assert r.json()["message"]["file"]["content_type"].startswith("text/plain")
    # Stored under the data directory with random names only.
    stored = [p for p in settings.uploads_dir.rglob("*") if p.is_file()]
    assert len(stored) == 2
    assert all("passwd" not in p.name and "メモ" not in p.name for p in stored)
    assert all(settings.uploads_dir in p.parents for p in stored)
    await chat.guest.close()
    await chat.staff.close()


REFUSED = [
    ("page.html", b"<!doctype html><script>alert(1)</script>", "text/html"),
    ("evil.png", b"<html><body><script>alert(1)</script></body></html>", "image/png"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "image/svg+xml"),
    ("logo.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "text/plain"),
    ("run.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64),
     "application/octet-stream"),
    ("script.js", b"alert(1)", "application/javascript"),
    ("report.pdf", b"\x89PNG\r\n\x1a\n" + bytes(32), "application/pdf"),
    ("photo.jpg", PDF, "image/jpeg"),
    ("broken.png", b"\x89PNG\r\n\x1a\nnot really a png", "image/png"),
    ("noext", b"hello", "text/plain"),
    ("empty.txt", b"", "text/plain"),
]


@pytest.mark.parametrize(("name", "data", "ctype"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_refused_files(server: ThreadServer, db: Database, settings: Settings,
                             name: str, data: bytes, ctype: str) -> None:
    chat, admin_login, _, _ = await _chat(server, db)
    async with staff_client(server, admin_login) as admin:
        r = await admin.post(f"/api/conversations/{chat.conversation_id}/files",
                             files={"file": (name, data, ctype)})
    assert r.status_code in (415, 422), r.text
    assert r.json()["error"]["code"] == "bad_frame"
    assert not [p for p in Path(settings.uploads_dir).rglob("*") if p.is_file()]
    await chat.guest.close()
    await chat.staff.close()


async def test_oversize_is_refused(server: ThreadServer, db: Database) -> None:
    chat, admin_login, _, _ = await _chat(server, db)
    too_big = server.settings.upload_max_bytes + 1
    async with staff_client(server, admin_login) as admin:
        r = await admin.post(f"/api/conversations/{chat.conversation_id}/files",
                             files={"file": ("big.txt", b"a" * too_big, "text/plain")})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"

        # Without a Content-Length the stream is still cut off at the limit.
        async def body() -> object:
            yield b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\""
            yield b"\r\nContent-Type: text/plain\r\n\r\n"
            chunk = b"a" * 65536
            for _ in range(too_big // len(chunk) + 2):
                yield chunk
            yield b"\r\n--xyz--\r\n"

        r = await admin.post(f"/api/conversations/{chat.conversation_id}/files",
                             content=body(),  # type: ignore[arg-type]
                             headers={"Content-Type": "multipart/form-data; boundary=xyz"})
        assert r.status_code == 413
    await chat.guest.close()
    await chat.staff.close()


async def test_only_the_assigned_staff_may_upload(server: ThreadServer, db: Database) -> None:
    chat, admin_login, agent_login, foreign_login = await _chat(server, db)
    url = f"/api/conversations/{chat.conversation_id}/files"
    files = {"file": ("a.pdf", PDF, "application/pdf")}
    async with http_client(base_url=server.url) as anonymous:
        assert (await anonymous.post(url, files=files)).status_code == 401
    async with staff_client(server, agent_login) as agent:
        r = await agent.post(url, files=files)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        agent.headers.pop("X-CSRF-Token")
        assert (await agent.post(url, files=files)).status_code == 403
    async with staff_client(server, foreign_login) as foreign:
        assert (await foreign.post(url, files=files)).status_code == 404
    async with staff_client(server, admin_login) as admin:
        assert (await admin.post(url, data={"other": "x"})).status_code == 422
        await chat.staff.send({"type": "end", "conversation_id": chat.conversation_id})
        await chat.staff.expect("conversation", lambda f: f["status"] == "ended")
        assert (await admin.post(url, files=files)).status_code == 403
    await chat.guest.close()
    await chat.staff.close()
