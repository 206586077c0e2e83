"""The chat transcript by e-mail (issue 19 item 3): through the outbox to a real SMTP server."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import func, select

from chats.db.engine import Database
from chats.db.models import MailOutbox
from tests.console.helpers import open_chat, staff_client, two_stores
from tests.mail.conftest import SmtpServer
from tests.realtime.clients import Guest
from tests.servers import ThreadServer

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _queued(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(MailOutbox)) or 0)


def _parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    return plain.get_content(), rich.get_content()


async def _ask(guest: Guest, cid: str, email: str) -> dict[str, object]:
    await guest.send({"type": "transcript", "conversation_id": cid, "email": email})
    while True:
        frame = await guest.recv()
        if frame["type"] in ("transcript_queued", "error"):
            return frame


async def test_guest_gets_the_transcript_escaped_with_links(
        server: ThreadServer, db: Database, smtp: SmtpServer) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login, nickname="<i>花子</i>")
    cid = chat.conversation_id
    async with staff_client(server, s.a.admin_login) as admin:
        r = await admin.patch("/api/admin/theme", json={"header_bg": "#123456"})
        assert r.status_code == 200, r.text
        await chat.guest.say("<script>alert('x')</script> 注文について")
        await chat.staff.say(cid, "確認します & お待ちください")
        await chat.staff.send({"type": "send", "conversation_id": cid, "client_msg_id": "st-1",
                               "kind": "stamp", "stamp": "thanks"})
        await chat.staff.expect("ack", lambda f: f["client_msg_id"] == "st-1")
        r = await admin.post(f"/api/conversations/{cid}/files",
                             files={"file": ("見積書.pdf", PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        file_url = r.json()["message"]["file"]["url"]

    # Before the end the guest is refused.
    assert (await _ask(chat.guest, cid, "hanako@example.com"))["code"] == "conflict"
    await chat.staff.send({"type": "end", "conversation_id": cid})
    await chat.guest.expect("conversation", lambda f: f["status"] == "ended")
    # A malformed address: a message in the guest's language, nothing queued.
    for bad in ("hanako", "hanako@example", "a@b.jp\r\nBcc: x@y.jp"):
        err = await _ask(chat.guest, cid, bad)
        assert err["code"] == "bad_frame", bad
    assert "メールアドレス" in str(err["message"]) or err["message"]
    assert await _queued(db) == 0
    # Another guest naming it: not found.
    other = await Guest.connect(server.ws_url, s.a.widget_key)
    await other.start("よそ")
    assert (await _ask(other, cid, "x@example.com"))["code"] == "not_found"
    await other.close()

    ok = await _ask(chat.guest, cid, " hanako@example.com ")
    assert ok == {"type": "transcript_queued", "conversation_id": cid,
                  "email": "hanako@example.com"}
    received = (await smtp.mailbox.wait_for(1))[0]
    assert received.rcpt_tos == ["hanako@example.com"]
    assert "茶房みどり" in str(received.message["Subject"])
    text, rich = _parts(received.message)
    assert "<script>alert('x')</script> 注文について" in text  # plain text is plain
    assert "<script" not in rich and "&lt;script&gt;" in rich
    assert "&lt;i&gt;花子&lt;/i&gt;" in rich and "<i>" not in rich
    assert "確認します &amp; お待ちください" in rich
    assert "茶房みどり" in text and "茶房みどり" in rich
    assert "#123456" in rich
    assert "ありがとうございます" in text and "ありがとうございます" in rich  # the stamp's name
    assert "見積書.pdf" in text and "見積書.pdf" in rich
    assert f"{server.url}{file_url}" in text and f'href="{server.url}{file_url}"' in rich
    assert "Asia/Tokyo" in text
    async with server.client() as c:
        got = await c.get(file_url)
        assert got.status_code == 200 and got.content == PDF

    # Bounded: three per conversation from the guest, then refused and nothing queued.
    for _ in range(2):
        assert (await _ask(chat.guest, cid, "hanako@example.com"))["type"] == "transcript_queued"
    err = await _ask(chat.guest, cid, "someone-else@example.com")
    assert err["code"] == "rate_limited" and "上限" in str(err["message"])
    assert await _queued(db) == 3
    await chat.guest.close()
    await chat.staff.close()


async def test_staff_send_a_transcript_of_their_store_only(
        server: ThreadServer, db: Database, smtp: SmtpServer) -> None:
    s = await two_stores(db)
    chat = await open_chat(server, s.a, s.a.admin_login)
    cid = chat.conversation_id
    await chat.guest.say("こんにちは")
    url = f"/api/conversations/{cid}/transcript"
    async with staff_client(server, s.agent_login) as agent, \
            staff_client(server, s.b.admin_login) as foreign:
        # The guest left no address: the agent must type one.
        r = await agent.post(url, json={}, headers={"Accept-Language": "en"})
        assert r.status_code == 400 and "e-mail address" in r.json()["error"]["message"]
        r = await agent.post(url, json={"to": "not an address"},
                             headers={"Accept-Language": "ja"})
        assert r.status_code == 400 and "メールアドレス" in r.json()["error"]["message"]
        r = await foreign.post(url, json={"to": "boss@example.com"})
        assert r.status_code == 404
        assert await _queued(db) == 0
        # Staff may send while the chat is still open.
        r = await agent.post(url, json={"to": "boss@example.com"})
        assert r.status_code == 202, r.text
        assert r.json() == {"email": "boss@example.com"}
    received = (await smtp.mailbox.wait_for(1))[0]
    text, rich = _parts(received.message)
    assert "こんにちは" in text and "こんにちは" in rich
    await chat.guest.close()
    await chat.staff.close()
