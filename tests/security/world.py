"""The cast of the authorization matrix: two stores, their staff and guests, and the
objects of store A that every role tries to reach (made through the real actions)."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import select

from chats.db.engine import Database
from chats.db.models import Base
from tests.admin.pictures import picture
from tests.factories import PASSWORD, StoreInfo, create_staff, create_store
from tests.realtime.clients import Guest, Staff
from tests.servers import http_client

if TYPE_CHECKING:
    from chats.config import Settings
    from tests.servers import ThreadServer

ANONYMOUS = "anonymous"
GUEST_A = "guest_a"  # a guest of store A, presenting its token
GUEST_B = "guest_b"  # a guest of store B
AGENT_A = "agent_a"
ADMIN_A = "admin_a"
ADMIN_B = "admin_b"  # another store's admin
ROLES = (ANONYMOUS, GUEST_A, GUEST_B, AGENT_A, ADMIN_A, ADMIN_B)
STAFF_ROLES = (AGENT_A, ADMIN_A, ADMIN_B)

# Tables whose rows a refused call must leave exactly as they were. Sessions and login
# throttling are left out: a refused call may legitimately touch the caller's own session.
WATCHED = ("stores", "staff", "store_fields", "guests", "page_views", "conversations",
           "messages", "canned_responses", "stamps", "uploads", "daily_stats", "mail_outbox",
           "audit_log")
_seq = itertools.count(1)


@dataclass
class StaffSession:
    """A logged-in staff member: the session cookie and its CSRF token."""

    login_id: str
    cookie: str
    csrf: str


@dataclass
class GuestInfo:
    guest_id: str
    token: str


@dataclass
class World:
    """Everything the matrix needs; ids of store A are what the other roles reach for."""

    url: str
    ws_url: str
    settings: Settings
    a: StoreInfo
    b: StoreInfo
    agent_a_id: str
    staff_a2_id: str  # a second agent of A, whom admin A edits
    sessions: dict[str, StaffSession]
    guests: dict[str, GuestInfo]  # GUEST_A, GUEST_B and "guest_a2" (another guest of A)
    conversation_a: str  # guest A's chat, active, assigned to agent A
    upload_a: str  # a file agent A sent in that chat
    a_ids: set[str] = field(default_factory=set)  # must never show up in store B's answers
    db: Database | None = None
    extras: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def client(self, role: str) -> httpx.AsyncClient:
        """The role's HTTP client (kept open for every test)."""
        if role not in self._clients:
            self._clients[role] = self.new_client(role)
        return self._clients[role]

    def new_client(self, role: str) -> httpx.AsyncClient:
        """An HTTP client holding what `role` would present (cookie and CSRF header)."""
        c = http_client(base_url=self.url, timeout=10)
        if role in self.sessions:
            c.cookies.set("chats_session", self.sessions[role].cookie)
            c.headers["X-CSRF-Token"] = self.sessions[role].csrf
        elif role in self.guests:
            # A guest token is no session: presenting it as one must not work.
            c.cookies.set("chats_session", self.guests[role].token)
            c.headers["X-CSRF-Token"] = self.guests[role].token
        return c

    def database(self) -> Database:
        """The test's connection to the server's database (for checks and fixtures)."""
        if self.db is None:
            self.db = Database(self.settings.effective_database_url)
        return self.db

    async def close(self) -> None:
        for c in self._clients.values():
            await c.aclose()
        if self.db is not None:
            await self.db.dispose()


async def open_session(url: str, login_id: str) -> StaffSession:
    """Log in over HTTP; the session's cookie and CSRF token."""
    async with http_client(base_url=url, timeout=10) as c:
        r = await c.post("/api/auth/login", json={"login_id": login_id, "password": PASSWORD})
        assert r.status_code == 200, r.text
        cookie = c.cookies.get("chats_session")
        assert cookie
        return StaffSession(login_id, cookie, r.json()["csrf_token"])


async def build_world(server: ThreadServer, settings: Settings) -> World:
    """Both stores, their staff logged in, a live chat in A with a file, a guest in each."""
    db = Database(settings.effective_database_url)
    try:
        a = await create_store(db, name="茶房みどり")
        b = await create_store(db, name="よその店")
        agent_login = f"agent-a-{a.store_id[:6]}"
        agent_a_id = await create_staff(db, store_id=a.store_id, login_id=agent_login,
                                        name="佐藤", max_chats=9)
        staff_a2_id = await create_staff(db, store_id=a.store_id, name="鈴木")
    finally:
        await db.dispose()
    sessions = {ADMIN_A: await open_session(server.url, a.admin_login),
                AGENT_A: await open_session(server.url, agent_login),
                ADMIN_B: await open_session(server.url, b.admin_login)}
    agent = await Staff.connect(server.url, server.ws_url, agent_login,
                                cookie=sessions[AGENT_A].cookie)
    guest_a = await Guest.connect(server.ws_url, a.widget_key)
    conversation = (await guest_a.start("ゲストA", ))["id"]
    await agent.claim(conversation)
    await guest_a.say("予約できますか")
    await agent.say(conversation, "はい、承ります")
    upload = await _send_file(server.url, sessions[AGENT_A], conversation)
    # A hello alone stores no guest (issue 12.3): these two leave a message, which does.
    guest_a2 = await _stored_guest(server.ws_url, a.widget_key)
    guest_b = await _stored_guest(server.ws_url, b.widget_key)
    guests = {GUEST_A: GuestInfo(guest_a.guest_id, guest_a.token),
              "guest_a2": GuestInfo(guest_a2.guest_id, guest_a2.token),
              GUEST_B: GuestInfo(guest_b.guest_id, guest_b.token)}
    for socket in (agent, guest_a, guest_a2, guest_b):
        await socket.close()
    world = World(server.url, server.ws_url, settings, a, b, agent_a_id, staff_a2_id,
                  sessions, guests, conversation, upload)
    world.a_ids = {a.store_id, a.admin_id, agent_a_id, staff_a2_id, conversation, upload,
                   guests[GUEST_A].guest_id, guests["guest_a2"].guest_id}
    return world


async def _stored_guest(ws_url: str, widget_key: str) -> Guest:
    guest = await Guest.connect(ws_url, widget_key)
    await guest.send({"type": "leave_message", "client_msg_id": "first", "nickname": "ゲスト",
                      "text": "営業時間を教えてください"})
    await guest.expect("ack", lambda f: f["client_msg_id"] == "first")
    return guest


async def assigned_chat(world: World) -> str:
    """An active chat of store A assigned to agent A (made anew when the last one moved on,
    e.g. back to the queue when agent A logged out)."""
    from chats.db.models import Conversation

    cached = world.extras.get("assigned_chat")
    if cached:
        async with world.database().read() as session:
            row = await session.get(Conversation, cached, populate_existing=True)
        if row is not None and row.status == "active" and row.staff_id == world.agent_a_id:
            return cached
    agent = await Staff.connect(world.url, world.ws_url, "",
                                cookie=world.sessions[AGENT_A].cookie)
    guest = await Guest.connect(world.ws_url, world.a.widget_key)
    conversation: str = (await guest.start("ゲストY"))["id"]
    await agent.claim(conversation)
    await guest.close()
    await agent.close()
    world.extras["assigned_chat"] = conversation
    world.a_ids.add(conversation)
    return conversation


async def _send_file(url: str, session: StaffSession, conversation_id: str) -> str:
    async with http_client(base_url=url, timeout=10) as c:
        c.cookies.set("chats_session", session.cookie)
        r = await c.post(f"/api/conversations/{conversation_id}/files",
                         headers={"X-CSRF-Token": session.csrf},
                         files={"file": ("見積書.png", picture(40, 30), "image/png")})
        assert r.status_code == 201, r.text
        upload_url: str = r.json()["message"]["file"]["url"]
        return upload_url.removeprefix("/files/").split("?")[0]


def unique(prefix: str) -> str:
    """A name no other call of this run uses."""
    return f"{prefix}{next(_seq)}-{uuid.uuid4().hex[:6]}"


async def fingerprint(db: Database) -> str:
    """A hash of every watched row: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    async with db.read() as session:
        for name in WATCHED:
            table = Base.metadata.tables[name]
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
