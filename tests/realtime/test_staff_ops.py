"""Claims, capacity, transfer, end, blacklist, typing and store isolation (protocol §5)."""

from __future__ import annotations

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import StoreInfo, create_staff, create_store
from tests.realtime.clients import Guest, Staff, claim_race
from tests.realtime.conftest import Chat, open_chat
from tests.servers import ThreadServer, http_client


async def test_claim_race_has_exactly_one_winner(server: ThreadServer, db: Database,
                                                 store: StoreInfo) -> None:
    logins = [store.admin_login]
    for i in range(4):
        await create_staff(db, store_id=store.store_id, login_id=f"racer{i}")
        logins.append(f"racer{i}")
    staff = [await Staff.connect(server.url, server.ws_url, login) for login in logins]
    guest = await Guest.connect(server.ws_url, store.widget_key)
    results = await claim_race(staff, guest)
    assert results == ["already_taken"] * 4 + ["won"]
    active = await guest.expect("conversation", lambda f: f["status"] == "active")
    assert active["staff"] is not None
    for s in staff:
        await s.close()
    await guest.close()


async def test_capacity_limit_is_enforced(server: ThreadServer, db: Database,
                                          store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="one-slot", max_chats=1)
    staff = await Staff.connect(server.url, server.ws_url, "one-slot")
    first, _cid = await open_chat(server, store, staff)
    second = await Guest.connect(server.ws_url, store.widget_key)
    # The store is busy for everyone else: the admin is not online, the agent is full.
    assert second.welcome["availability"] == "busy"
    # Busy, the guest may still queue (issue 14); the agent cannot take it (capacity_full).
    assert (await second.start("x"))["status"] == "waiting"
    await second.expect("conversation", lambda f: f.get("queue_position") == 1)
    await first.close()
    await second.close()
    await staff.close()


async def test_capacity_full_on_claim(server: ThreadServer, db: Database,
                                      store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="one-slot", max_chats=1)
    full = await Staff.connect(server.url, server.ws_url, "one-slot")
    admin = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest1, _ = await open_chat(server, store, full)
    guest2 = await Guest.connect(server.ws_url, store.widget_key)
    cid2 = (await guest2.start())["id"]
    await full.send({"type": "claim", "conversation_id": cid2})
    err = await full.expect("error")
    assert err["code"] == "capacity_full"
    assert err["message"]
    await admin.claim(cid2)
    for c in (guest1, guest2, full, admin):
        await c.close()


async def test_nine_chats_at_most(server: ThreadServer, db: Database, store: StoreInfo) -> None:
    await create_staff(db, store_id=store.store_id, login_id="nine", max_chats=9)
    staff = await Staff.connect(server.url, server.ws_url, "nine")
    guests = []
    for i in range(9):
        g, _ = await open_chat(server, store, staff, nickname=f"g{i}")
        guests.append(g)
    tenth = await Guest.connect(server.ws_url, store.widget_key)
    assert tenth.welcome["availability"] == "busy"
    for g in [*guests, tenth]:
        await g.close()
    await staff.close()


async def test_only_assigned_staff_can_send(chat: Chat, server: ThreadServer, db: Database) -> None:
    await create_staff(db, store_id=chat.store.store_id, login_id="bystander")
    other = await Staff.connect(server.url, server.ws_url, "bystander")
    await other.send({"type": "send", "conversation_id": chat.conversation_id,
                      "client_msg_id": "x1", "kind": "text", "text": "not mine"})
    err = await other.expect("error")
    assert err["code"] == "forbidden" and err["ref"] == "x1"
    await other.close()


async def test_transfer_to_logged_in_staff(chat: Chat, server: ThreadServer, db: Database) -> None:
    target_id = await create_staff(db, store_id=chat.store.store_id, login_id="target",
                                   name="転送先")
    offline_id = await create_staff(db, store_id=chat.store.store_id, login_id="offline")
    cid = chat.conversation_id
    await chat.guest.say("転送前")
    await chat.staff.send({"type": "transfer", "conversation_id": cid,
                           "to_staff_id": offline_id})
    assert (await chat.staff.expect("error"))["code"] == "unavailable"
    await chat.staff.send({"type": "transfer", "conversation_id": cid,
                           "to_staff_id": chat.store.admin_id})
    assert (await chat.staff.expect("error"))["code"] == "conflict"
    target = await Staff.connect(server.url, server.ws_url, "target")
    await chat.staff.send({"type": "transfer", "conversation_id": cid, "to_staff_id": target_id})
    got = await target.expect("conversation", lambda f: f["id"] == cid)
    assert got["staff_id"] == target_id and got["status"] == "active"
    history = await target.expect("message", lambda f: f["text"] == "転送前")
    assert history["seq"] >= 1
    released = await chat.staff.expect("conversation", lambda f: f["staff_id"] == target_id)
    assert released["id"] == cid
    await chat.guest.expect("conversation", lambda f: f["staff"] and f["staff"]["name"] == "転送先")
    await target.say(cid, "引き継ぎました")
    await chat.guest.expect("message", lambda f: f["text"] == "引き継ぎました")
    # The former assignee can no longer send.
    await chat.staff.send({"type": "send", "conversation_id": cid, "client_msg_id": "late",
                           "kind": "text", "text": "late"})
    assert (await chat.staff.expect("error", lambda f: f.get("ref") == "late"))["code"] == \
        "forbidden"
    await target.close()


async def test_end_returns_to_waiting_and_frees_the_slot(chat: Chat) -> None:
    cid = chat.conversation_id
    await chat.staff.send({"type": "end", "conversation_id": cid})
    await chat.guest.expect("conversation", lambda f: f["id"] == cid and f["status"] == "ended")
    online = await chat.staff.expect("online", lambda f: f["staff"][0]["active_chats"] == 0)
    assert online["staff"][0]["status"] == "waiting"
    await chat.staff.send({"type": "end", "conversation_id": cid})
    assert (await chat.staff.expect("error"))["code"] == "conflict"


async def test_guest_end_and_missed_chat(server: ThreadServer, store: StoreInfo) -> None:
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest = await Guest.connect(server.ws_url, store.widget_key)
    cid = (await guest.start())["id"]
    await staff.expect("queue", lambda f: len(f["waiting"]) == 1)
    await guest.send({"type": "end"})
    await guest.expect("conversation", lambda f: f["id"] == cid and f["status"] == "ended")
    await staff.expect("queue", lambda f: f["waiting"] == [])
    await guest.close()
    await staff.close()


async def test_blacklist_cuts_the_guest_off(chat: Chat, server: ThreadServer) -> None:
    cid = chat.conversation_id
    async with http_client(base_url=server.url) as c:
        await login(c, chat.store.admin_login)
        r = await c.patch(f"/api/guests/{chat.guest.guest_id}", json={"blacklisted": True})
        assert r.status_code == 200, r.text
    await chat.guest.expect("conversation", lambda f: f["id"] == cid and f["status"] == "ended")
    # The panel is told why, so it offers no form the server would refuse.
    await chat.guest.expect("availability", lambda f: f["status"] == "away"
                            and f.get("blacklisted") is True)
    await chat.staff.expect("guest_updated", lambda f: f["guest_id"] == chat.guest.guest_id)
    await chat.guest.send({"type": "start", "nickname": "again"})
    assert (await chat.guest.expect("error"))["code"] == "blacklisted"
    back = await Guest.connect(server.ws_url, chat.store.widget_key, token=chat.guest.token)
    assert back.welcome["availability"] == "away"
    await back.send({"type": "start", "nickname": "again"})
    assert (await back.expect("error"))["code"] == "blacklisted"
    async with http_client(base_url=server.url) as c:
        visit = await c.post(f"/api/widget/{chat.store.widget_key}/visit",
                             json={"token": chat.guest.token, "url": "https://shop.example/"})
        assert visit.json()["availability"] == "away"
    await back.close()


async def test_typing_preview_reaches_only_the_assigned_staff(chat: Chat, server: ThreadServer,
                                                              db: Database) -> None:
    await create_staff(db, store_id=chat.store.store_id, login_id="watcher")
    watcher = await Staff.connect(server.url, server.ws_url, "watcher")
    await chat.guest.send({"type": "typing", "text": "下書き"})
    got = await chat.staff.expect("typing")
    assert got["text"] == "下書き"
    # A round trip on the watcher's own socket proves no typing frame came before it.
    await watcher.send({"type": "read", "conversation_id": "nope", "seq": 1})
    await watcher.expect("error")
    assert not [f for f in watcher.frames if f["type"] == "typing"]
    await chat.staff.send({"type": "typing", "conversation_id": chat.conversation_id,
                           "active": True})
    assert (await chat.guest.expect("typing"))["active"] is True
    await watcher.close()


async def test_nothing_crosses_stores(server: ThreadServer, db: Database, chat: Chat) -> None:
    other = await create_store(db, name="よその店")
    outsider = await Staff.connect(server.url, server.ws_url, other.admin_login)
    assert outsider.welcome["queue"] == [] and outsider.welcome["mine"] == []
    assert [s["id"] for s in outsider.welcome["online"]] == [other.admin_id]
    for frame in ({"type": "claim", "conversation_id": chat.conversation_id},
                  {"type": "send", "conversation_id": chat.conversation_id,
                   "client_msg_id": "x", "kind": "text", "text": "hi"},
                  {"type": "read", "conversation_id": chat.conversation_id, "seq": 1},
                  {"type": "end", "conversation_id": chat.conversation_id}):
        await outsider.send(frame)
        assert (await outsider.expect("error"))["code"] == "not_found"
    newcomer = await Guest.connect(server.ws_url, chat.store.widget_key)
    await newcomer.start("new guest")
    await chat.guest.say("secret")
    await chat.staff.expect("queue", lambda f: len(f["waiting"]) == 1)
    # A guest token of one store is no identity in another.
    stranger = await Guest.connect(server.ws_url, other.widget_key, token=chat.guest.token)
    assert stranger.guest_id != chat.guest.guest_id
    await outsider.send({"type": "read", "conversation_id": "x", "seq": 0})
    await outsider.expect("error")
    leaked = [f for f in outsider.frames
              if f["type"] in ("message", "typing", "conversation")
              or (f["type"] == "queue" and f["waiting"])]
    assert leaked == []
    async with http_client(base_url=server.url) as c:
        await login(c, other.admin_login)
        r = await c.get(f"/api/conversations/{chat.conversation_id}/messages")
        assert r.status_code == 404
        assert (await c.patch(f"/api/guests/{chat.guest.guest_id}",
                              json={"blacklisted": True})).status_code == 404
    for c in (outsider, newcomer, stranger):
        await c.close()


async def test_stamps_carry_their_picture_and_unknown_ones_are_refused(chat: Chat) -> None:
    cid = chat.conversation_id
    await chat.staff.send({"type": "send", "conversation_id": cid, "client_msg_id": "st1",
                           "kind": "stamp", "stamp": "thanks"})
    await chat.staff.expect("ack", lambda f: f["client_msg_id"] == "st1")
    got = await chat.guest.expect("message", lambda f: f["kind"] == "stamp")
    assert (got["stamp"], got["stamp_url"]) == ("thanks", "/static/stamps/thanks.svg")
    await chat.staff.send({"type": "send", "conversation_id": cid, "client_msg_id": "st2",
                           "kind": "stamp", "stamp": "no-such-stamp"})
    err = await chat.staff.expect("error")
    assert (err["code"], err["ref"]) == ("bad_frame", "st2")


async def test_welcome_says_whether_the_guest_is_blacklisted(chat: Chat,
                                                             server: ThreadServer) -> None:
    assert chat.guest.welcome["blacklisted"] is False
    async with http_client(base_url=server.url) as c:
        await login(c, chat.store.admin_login)
        await c.patch(f"/api/guests/{chat.guest.guest_id}", json={"blacklisted": True})
    back = await Guest.connect(server.ws_url, chat.store.widget_key, token=chat.guest.token)
    assert back.welcome["blacklisted"] is True
    await back.send({"type": "leave_message", "client_msg_id": "lm", "nickname": "x",
                     "text": "聞いてください"})
    assert (await back.expect("error"))["code"] == "blacklisted"
    async with http_client(base_url=server.url) as c:
        await login(c, chat.store.admin_login)
        await c.patch(f"/api/guests/{chat.guest.guest_id}", json={"blacklisted": False})
    lifted = await back.expect("availability", lambda f: f.get("blacklisted") is False)
    assert lifted["status"] == "waiting"  # the admin is online with room
    await back.close()
