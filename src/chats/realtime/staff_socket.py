"""`/ws/staff`: the console's socket (protocol §5), behind the session cookie and Origin check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from chats.api.deps import SESSION_COOKIE
from chats.db.models import Conversation, Staff, Store
from chats.errors import ChatsError
from chats.i18n import pick_locale
from chats.realtime import frames as f
from chats.realtime.audience import guest_channel, staff_channel, store_staff_channel
from chats.realtime.connection import Connection
from chats.realtime.guest_socket import ack_frame
from chats.realtime.protocol import BadFrame
from chats.realtime.session import SocketSession
from chats.services import auth as auth_service
from chats.services import conversations as conversation_service
from chats.services import messages as message_service
from chats.services import stamps, state

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

log = logging.getLogger(__name__)


def origin_allowed(ws: WebSocket) -> bool:
    """The Origin must be the server's own or one configured as allowed (no CSWSH)."""
    settings = ws.app.state.ctx.settings
    origin = ws.headers.get("origin")
    if not origin:
        return False
    allowed = {settings.public_origin(), *settings.allowed_origins}
    host = ws.headers.get("host")
    if host:
        allowed.add(f"{ws.url.scheme.replace('ws', 'http')}://{host}")
    return origin.rstrip("/") in allowed


class StaffConnection(Connection):
    """A staff member's socket."""

    kind = "staff"

    def __init__(self, ws: WebSocket, ctx: Any, staff: Staff, store: Store, locale: str) -> None:
        super().__init__(ws, ctx, locale=locale)
        self.staff = staff
        self.store = store
        self._heartbeat: asyncio.Task[None] | None = None

    async def handle_event(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "_logout":
            await self.close(1008)
        elif kind == "conversation":
            await self.send(frame)
            if frame.get("_sync"):
                self.seen.setdefault(frame["id"], 0)
                await self.sync(frame["id"])
        elif kind is not None and not kind.startswith("_"):
            await self.send(frame)

    async def on_hello(self, hello: f.StaffHello) -> None:
        """Go online, send `welcome` and replay own conversations."""
        ctx, staff, store = self.ctx, self.staff, self.store
        ctx.hub.register(self, {staff_channel(staff.id), store_staff_channel(store.id)})
        await ctx.presence.connect(store.id, staff.id, self.id)
        self._heartbeat = asyncio.create_task(self._beat())
        resume = hello.resume or {}
        async with ctx.db.read() as session:
            online = await state.online_staff(session, ctx.presence, store.id)
            queue = await state.waiting_queue(session, store.id)
            mine = list(await session.scalars(_mine_query(staff.id)))
            mine_ids = {c.id for c in mine}
            stale = [c for c in await _resumed(session, resume, staff.id) if c.id not in mine_ids]
        welcome = {
            "type": "welcome",
            "staff": {"id": staff.id, "login_id": staff.login_id, "name": staff.name,
                      "role": staff.role, "max_chats": staff.max_chats},
            "store": {"id": store.id, "name": store.name},
            "queue": state.queue_list(queue),
            "mine": [conversation_service.staff_conversation_frame(c, c.nickname) for c in mine],
            "online": state.online_frame(online)["staff"],
        }
        first: list[dict[str, Any]] = [welcome]
        for conversation in stale:
            first.append(conversation_service.staff_conversation_frame(conversation,
                                                                       conversation.nickname))
        for conversation in [*mine, *stale]:
            self.seen[conversation.id] = resume.get(conversation.id, 0)
            first.append({"type": "_sync", "conversation_id": conversation.id})
        self.open(first)
        ctx.notifier.notify(store.id)

    async def _beat(self) -> None:
        while True:
            # Three heartbeats per presence lifetime: one lost beat never drops the socket.
            await asyncio.sleep(self.ctx.settings.presence_ttl_seconds / 3)
            with contextlib.suppress(Exception):
                await self.ctx.presence.heartbeat(self.store.id, self.staff.id, self.id)

    async def on_closed(self) -> None:
        """Offline after the grace period unless another socket of this staff is live."""
        if self._heartbeat is None:
            return
        self._heartbeat.cancel()
        grace = self.ctx.settings.presence_grace_seconds
        await self.ctx.presence.disconnect(self.store.id, self.staff.id, self.id, grace=grace)
        self.ctx.notifier.notify_later(self.store.id, grace + 0.05)

    async def handle(self, frame: Any) -> None:
        """Dispatch one validated client frame."""
        handler = getattr(self, f"on_{frame.type}", None)
        if handler is None or frame.type == "hello":
            raise BadFrame(detail="hello")
        await handler(frame)

    async def on_claim(self, frame: f.Claim) -> None:
        async with self.ctx.unit_of_work() as uow:
            await conversation_service.claim(
                uow, staff_id=self.staff.id, store_id=self.store.id,
                conversation_id=frame.conversation_id, locale=self.store.locale)
        self.ctx.notifier.notify(self.store.id)

    async def on_send(self, frame: f.StaffSend) -> None:
        started = time.perf_counter()
        stamp_url = None
        if frame.kind == "stamp" and frame.stamp:
            async with self.ctx.db.read() as session:
                if not await stamps.is_known(session, self.store.id, frame.stamp):
                    raise BadFrame(frame.client_msg_id, detail=f"stamp {frame.stamp[:20]}")
                stamp_url = await stamps.stamp_url(session, self.store.id, frame.stamp)
        job = conversation_service.staff_message_job(
            staff_id=self.staff.id, store_id=self.store.id,
            conversation_id=frame.conversation_id, client_msg_id=frame.client_msg_id,
            kind=frame.kind, text=frame.text, stamp=frame.stamp)
        try:
            stored = await message_service.run_send(self.ctx.db.writer, job)
        except message_service.DuplicateMessage as dup:
            self.offer(ack_frame(dup.message))
            return
        events = conversation_service.message_events(stored, staff_name=self.staff.name)
        if stamp_url:
            for _channel, event in events:
                event["stamp_url"] = stamp_url
        await self.ctx.publish_all(events)
        self.offer(ack_frame(stored))
        metrics = self.ctx.extras.get("metrics")
        if metrics is not None:
            metrics.send_latency.observe(time.perf_counter() - started)
            metrics.messages.labels("staff").inc()

    async def on_read(self, frame: f.Read) -> None:
        async with self.ctx.unit_of_work() as uow:
            conversation = await conversation_service.get_for_store(
                uow.session, frame.conversation_id, self.store.id)
            await conversation_service.mark_read(uow, conversation=conversation, reader="staff",
                                                 seq=frame.seq)

    async def on_transfer(self, frame: f.Transfer) -> None:
        online = await self.ctx.presence.online(self.store.id)
        async with self.ctx.unit_of_work() as uow:
            await conversation_service.transfer(
                uow, staff_id=self.staff.id, store_id=self.store.id,
                conversation_id=frame.conversation_id, to_staff_id=frame.to_staff_id,
                online_ids=online, locale=self.store.locale)
        self.ctx.notifier.notify(self.store.id)

    async def on_end(self, frame: f.StaffEnd) -> None:
        async with self.ctx.unit_of_work() as uow:
            await conversation_service.end_by_staff(
                uow, staff_id=self.staff.id, store_id=self.store.id,
                conversation_id=frame.conversation_id, locale=self.store.locale)
        self.ctx.notifier.notify(self.store.id)

    async def on_typing(self, frame: f.StaffTyping) -> None:
        async with self.ctx.db.read() as session:
            conversation = await conversation_service.get_for_store(
                session, frame.conversation_id, self.store.id)
        if conversation.staff_id != self.staff.id or conversation.status != "active":
            raise ChatsError("forbidden", "error.not_assigned")
        await self.ctx.publish_all([(guest_channel(conversation.guest_id), {
            "type": "typing", "conversation_id": conversation.id, "active": frame.active})])


def _mine_query(staff_id: str) -> Any:
    from sqlalchemy import select

    return (select(Conversation)
            .where(Conversation.staff_id == staff_id, Conversation.status == "active")
            .order_by(Conversation.claimed_at))


async def _resumed(session: Any, resume: dict[str, int], staff_id: str) -> list[Conversation]:
    """Conversations the client resumes that were this staff member's (e.g. ended meanwhile)."""
    if not resume:
        return []
    from sqlalchemy import select

    rows = await session.scalars(select(Conversation).where(
        Conversation.id.in_(list(resume)), Conversation.staff_id == staff_id))
    return list(rows)


async def staff_socket(ws: WebSocket) -> None:
    """Serve one staff socket; the handshake is refused (403) without a session or Origin."""
    ctx = ws.app.state.ctx
    if not origin_allowed(ws):
        await ws.close(1008)
        return
    async with ctx.db.read() as session:
        found = await auth_service.resolve_session(session, ws.cookies.get(SESSION_COOKIE))
    if found is None:
        await ws.close(1008)
        return
    _row, staff, store = found
    await ws.accept()
    locale = staff.locale or pick_locale(ws.headers.get("accept-language"))
    conn = StaffConnection(ws, ctx, staff, store, locale)
    session_reader = SocketSession(conn, f.STAFF_FRAMES, f.STAFF_TYPES)
    try:
        hello = await session_reader.wait_hello(f.StaffHello)
        if hello is None:
            return
        await conn.on_hello(hello)
        await session_reader.serve(conn.handle)
    finally:
        await session_reader.finish()


async def staff_signed_out(ctx: Any, store_id: str, staff_id: str) -> None:
    """Logout or disable: offline at once, every socket of that staff member closed."""
    await ctx.presence.logout(store_id, staff_id)
    await ctx.publish_all([(staff_channel(staff_id), {"type": "_logout"})])
    ctx.notifier.notify(store_id)
