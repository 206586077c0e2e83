"""The whole guest ↔ staff flow over real sockets (protocol §2–§5)."""

from __future__ import annotations

from chats.db.engine import Database
from tests.factories import create_store
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer


async def test_guest_and_staff_chat(server: ThreadServer, db: Database) -> None:
    store = await create_store(db)
    guest = await Guest.connect(server.ws_url, store.widget_key)
    assert guest.welcome["availability"] == "away"
    assert guest.welcome["conversation"] is None and guest.welcome["unread"] == 0
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    assert staff.welcome["store"]["id"] == store.store_id
    assert [s["id"] for s in staff.welcome["online"]] == [store.admin_id]
    await guest.expect("availability", lambda f: f["status"] == "waiting")

    await guest.send({"type": "form_shown"})
    conv = await guest.start("たろう")
    cid = conv["id"]
    queue = await staff.expect("queue", lambda f: len(f["waiting"]) == 1)
    assert queue["waiting"][0]["nickname"] == "たろう"
    ack = await guest.say("こんにちは")
    assert ack["seq"] == 1 and ack["conversation_id"] == cid

    claimed = await staff.claim(cid)
    assert claimed["guest"]["nickname"] == "たろう"
    first = await staff.expect("message", lambda f: f["seq"] == 1)
    assert first["text"] == "こんにちは" and first["author"] == "guest"
    await guest.expect("conversation", lambda f: f["status"] == "active"
                       and f["staff"]["name"].startswith("Admin"))
    system = await guest.expect("message", lambda f: f["author"] == "system")
    assert system["seq"] == 2

    reply = await staff.say(cid, "いらっしゃいませ")
    assert reply["seq"] == 3
    got = await guest.expect("message", lambda f: f["seq"] == 3)
    assert got["text"] == "いらっしゃいませ" and got["staff"]["id"] == store.admin_id

    await guest.send({"type": "typing", "text": "しつも"})
    typing = await staff.expect("typing")
    assert typing == {"type": "typing", "conversation_id": cid, "text": "しつも"}

    await guest.send({"type": "read", "conversation_id": cid, "seq": 3})
    await staff.expect("read", lambda f: f["seq"] == 3)

    await staff.send({"type": "end", "conversation_id": cid})
    await guest.expect("conversation", lambda f: f["status"] == "ended")
    await staff.expect("conversation", lambda f: f["status"] == "ended")
    seqs = [m["seq"] for m in guest.messages(cid)]
    assert seqs == sorted(set(seqs)) and seqs[0] == 1
    await guest.send({"type": "nope"})
    await guest.expect("error")
    validate_all(guest, staff)
    assert {f["type"] for f in guest.frames} >= {"welcome", "availability", "conversation",
                                                   "message", "ack", "error"}
    assert {f["type"] for f in staff.frames} >= {"welcome", "queue", "online", "conversation",
                                                   "message", "ack", "typing", "read"}
    await guest.close()
    await staff.close()


def validate_all(guest: Guest, staff: Staff) -> None:
    """Every frame a real session received matches the server frame models."""
    from chats.realtime.frames import GUEST_SERVER_FRAMES, STAFF_SERVER_FRAMES

    for frame in guest.frames:
        GUEST_SERVER_FRAMES.validate_python(frame)
    for frame in staff.frames:
        STAFF_SERVER_FRAMES.validate_python(frame)
