"""`/ws/staff`: the console's socket (protocol §5), behind the session cookie and Origin check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocketDisconnect

from chats.cookies import SESSION_COOKIE
from chats.domain.conversation import ConversationStatus
from chats.domain.staff import StaffRole
from chats.errors import ChatsError
from chats.events.audience import (
    guest_channel,
    staff_channel,
    store_staff_channel,
    store_supervisors_channel,
    watchers_channel,
)
from chats.i18n import pick_locale
from chats.realtime import frames as f
from chats.realtime.connection import Connection
from chats.realtime.guest_socket import ack_frame
from chats.realtime.protocol import BadFrame
from chats.realtime.session import SocketSession
from chats.services import auth as auth_service
from chats.services import conversations as conversation_service
from chats.services import messages as message_service
from chats.services import staff as staff_service
from chats.services import stamps, state, supervision

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from chats.broker.presence import Presence
    from chats.config import Settings
    from chats.db.models import Staff, Store
    from chats.events.unit_of_work import Publisher
    from chats.realtime.notifier import StateNotifier
    from chats.realtime.parts import SocketParts

log = logging.getLogger(__name__)


def origin_allowed(ws: WebSocket, settings: Settings) -> bool:
    """The Origin must be the server's own or one configured as allowed (no CSWSH)."""
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

    def __init__(self, ws: WebSocket, parts: SocketParts, staff: Staff, store: Store,
                 locale: str, session_id: str = "") -> None:
        super().__init__(ws, db=parts.db, metrics=parts.metrics, locale=locale)
        self.parts = parts
        self.staff = staff
        self.store = store
        self.session_id = session_id  # the login session (hashed token) this socket belongs to
        self._heartbeat: asyncio.Task[None] | None = None

    async def handle_event(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "_logout":
            if frame.get("_keep") != self.session_id:
                await self.close(1008)
        elif kind == "_overview":
            self.parts.notifier.refresh_overview(self.store.id)
        elif kind == "conversation":
            await self.send(frame)
            if frame.get("_sync"):
                if watchers_channel(frame["id"]) in self.channels:
                    # Followed read-only until now: as the holder it gets the whole timeline.
                    self.seen[frame["id"]] = 0
                else:
                    self.seen.setdefault(frame["id"], 0)
                await self.sync(frame["id"])
        elif kind is not None and not kind.startswith("_"):
            if kind == "me" and frame["staff"]["role"] != StaffRole.ADMIN:
                self._stop_supervising()  # demoted: the overview and watched chats stop now
            await self.send(frame)

    async def on_hello(self, hello: f.StaffHello) -> None:
        """Go online, send `welcome` and replay own conversations."""
        parts, staff, store = self.parts, self.staff, self.store
        parts.hub.register(self, {staff_channel(staff.id), store_staff_channel(store.id)})
        await parts.presence.connect(store.id, staff.id, self.id)
        self._heartbeat = asyncio.create_task(self._beat())
        resume = hello.resume or {}
        async with parts.db.read() as session:
            online = await state.online_staff(session, parts.presence, store.id)
            queue = await state.waiting_queue(session, store.id)
            mine = await conversation_service.held_by(session, staff.id)
            mine_ids = {c.id for c in mine}
            # The store's chats the client resumes: ended, moved on or still its own.
            resumed = await conversation_service.in_store(session, store.id, list(resume))
            stale = [c for c in resumed if c.id not in mine_ids]
        welcome = {
            "type": "welcome",
            "staff": staff_service.own_view(staff),
            "store": {"id": store.id, "name": store.name},
            "queue": state.queue_list(queue),
            "mine": [conversation_service.staff_conversation_frame(c, c.nickname) for c in mine],
            "online": state.online_frame(online)["staff"],
        }
        first: list[dict[str, Any]] = [welcome]
        for conversation in stale:
            first.append(conversation_service.staff_conversation_frame(conversation,
                                                                       conversation.nickname))
        # Messages follow for its own chats, including those it ended meanwhile; of a chat
        # that moved on (back to the queue, to a colleague) only the new state is sent.
        for conversation in [*mine, *(c for c in stale if c.staff_id == staff.id)]:
            self.seen[conversation.id] = resume.get(conversation.id, 0)
            first.append({"type": "_sync", "conversation_id": conversation.id})
        self.open(first)
        parts.notifier.notify(store.id)

    async def _beat(self) -> None:
        while True:
            # Three heartbeats per presence lifetime: one lost beat never drops the socket.
            await asyncio.sleep(self.parts.settings.presence_ttl_seconds / 3)
            with contextlib.suppress(Exception):
                await self.parts.presence.heartbeat(self.store.id, self.staff.id, self.id)

    async def on_closed(self) -> None:
        """Offline after the grace period unless another socket of this staff is live."""
        if self._heartbeat is None:
            return
        self._heartbeat.cancel()
        grace = self.parts.settings.presence_grace_seconds
        await self.parts.presence.disconnect(self.store.id, self.staff.id, self.id, grace=grace)
        self.parts.notifier.notify_later(self.store.id, grace + 0.05)

    async def handle(self, frame: Any) -> None:
        """Dispatch one validated client frame."""
        handler = getattr(self, f"on_{frame.type}", None)
        if handler is None or frame.type == "hello":
            raise BadFrame(detail="hello")
        await handler(frame)

    async def on_claim(self, frame: f.Claim) -> None:
        async with self.parts.publisher.unit_of_work() as uow:
            await conversation_service.claim(
                uow, staff_id=self.staff.id, store_id=self.store.id,
                conversation_id=frame.conversation_id, locale=self.store.locale)
        self.parts.notifier.waits.forget(self.store.id)  # a new wait to go by
        self.parts.notifier.notify(self.store.id)

    async def on_send(self, frame: f.StaffSend) -> None:
        started = time.perf_counter()
        stamp_url = None
        if frame.kind == "stamp" and frame.stamp:
            async with self.db.read() as session:
                if not await stamps.is_known(session, self.store.id, frame.stamp):
                    raise BadFrame(frame.client_msg_id, detail=f"stamp {frame.stamp[:20]}")
                stamp_url = await stamps.stamp_url(session, self.store.id, frame.stamp)
        job = conversation_service.staff_message_job(
            staff_id=self.staff.id, store_id=self.store.id,
            conversation_id=frame.conversation_id, client_msg_id=frame.client_msg_id,
            kind=frame.kind, text=frame.text, stamp=frame.stamp)
        try:
            stored = await message_service.run_send(self.db.writer, job)
        except message_service.DuplicateMessage as dup:
            self.offer(ack_frame(dup.message))
            return
        events = conversation_service.message_events(stored, staff_name=self.staff.name)
        if stamp_url:
            for _channel, event in events:
                event["stamp_url"] = stamp_url
        await self.parts.publisher.publish_all(events)
        self.offer(ack_frame(stored))
        self.parts.notifier.notify_overview(self.store.id)
        self.metrics.send_latency.observe(time.perf_counter() - started)
        self.metrics.messages.labels("staff").inc()

    async def on_read(self, frame: f.Read) -> None:
        async with self.parts.publisher.unit_of_work() as uow:
            conversation = await conversation_service.get_for_store(
                uow.session, frame.conversation_id, self.store.id)
            moved = await conversation_service.mark_read(uow, conversation=conversation,
                                                         reader="staff", seq=frame.seq)
        if moved:
            self.parts.notifier.notify_overview(self.store.id)

    async def on_transfer(self, frame: f.Transfer) -> None:
        online = await self.parts.presence.online(self.store.id)
        async with self.parts.publisher.unit_of_work() as uow:
            await conversation_service.transfer(
                uow, staff_id=self.staff.id, store_id=self.store.id,
                conversation_id=frame.conversation_id, to_staff_id=frame.to_staff_id,
                online_ids=online, locale=self.store.locale)
        self.parts.notifier.notify(self.store.id)

    async def on_end(self, frame: f.StaffEnd) -> None:
        async with self.parts.publisher.unit_of_work() as uow:
            await conversation_service.end_by_staff(
                uow, staff_id=self.staff.id, store_id=self.store.id,
                conversation_id=frame.conversation_id, locale=self.store.locale)
        self.parts.notifier.notify(self.store.id)

    async def on_supervise(self, _frame: f.Supervise) -> None:
        """Admins: the store's overview now, and again on every change."""
        async with self.db.read() as session:
            await supervision.require_admin(session, self.staff.id)
        # Subscribed before the snapshot is read: no change falls between the two.
        self.parts.hub.register(self, {store_supervisors_channel(self.store.id)})
        async with self.db.read() as session:
            overview = await supervision.overview_frame(session, self.store.id)
        self.offer(overview)

    async def on_watch(self, frame: f.Watch) -> None:
        """Admins: follow a conversation read-only; its messages so far come first."""
        async with self.db.read() as session:
            conversation = await supervision.watched(
                session, admin_id=self.staff.id, store_id=self.store.id,
                conversation_id=frame.conversation_id)
            view = conversation_service.staff_conversation_frame(conversation,
                                                                 conversation.nickname)
        self.parts.hub.register(self, {watchers_channel(conversation.id)})
        # The whole timeline again, whatever this socket sent of it before (a console
        # drops repeated seqs of a chat it holds).
        self.seen[conversation.id] = 0
        self.offer({"type": "watching", "conversation": view})
        self.offer({"type": "_sync", "conversation_id": conversation.id})

    async def on_unwatch(self, frame: f.Unwatch) -> None:
        self.parts.hub.unsubscribe(self, {watchers_channel(frame.conversation_id)})

    def _stop_supervising(self) -> None:
        self.parts.hub.unsubscribe(self, {c for c in self.channels if c.startswith("watch:")}
                                 | {store_supervisors_channel(self.store.id)})

    async def on_intervene(self, frame: f.Intervene) -> None:
        """Admins: take over, reassign, return to the queue or end a conversation."""
        if frame.action == "reassign" and not frame.to_staff_id:
            raise BadFrame(detail="to_staff_id")
        online = await self.parts.presence.online(self.store.id)
        where = {"admin_id": self.staff.id, "store_id": self.store.id,
                 "conversation_id": frame.conversation_id, "locale": self.store.locale}
        async with self.parts.publisher.unit_of_work() as uow:
            if frame.action == "take_over":
                await supervision.take_over(uow, **where)
            elif frame.action == "reassign":
                await supervision.reassign(uow, **where, to_staff_id=frame.to_staff_id or "",
                                           online_ids=online)
            elif frame.action == "release":
                await supervision.return_to_queue(uow, **where)
            else:
                await supervision.end(uow, **where)
        self.parts.notifier.notify(self.store.id)

    async def on_typing(self, frame: f.StaffTyping) -> None:
        async with self.db.read() as session:
            conversation = await conversation_service.get_for_store(
                session, frame.conversation_id, self.store.id)
        if (conversation.staff_id != self.staff.id
                or conversation.status != ConversationStatus.ACTIVE):
            raise ChatsError("forbidden", "error.not_assigned")
        await self.parts.publisher.publish_all([(guest_channel(conversation.guest_id), {
            "type": "typing", "conversation_id": conversation.id, "active": frame.active})])


async def staff_socket(ws: WebSocket) -> None:
    """Serve one staff socket; the handshake is refused (403) without a session or Origin."""
    parts: SocketParts = ws.app.state.sockets
    if not origin_allowed(ws, parts.settings):
        await ws.close(1008)
        return
    async with parts.db.read() as session:
        found = await auth_service.resolve_session(session, ws.cookies.get(SESSION_COOKIE))
    if found is None:
        await ws.close(1008)
        return
    row, staff, store = found
    await ws.accept()
    locale = staff.locale or pick_locale(ws.headers.get("accept-language"))
    conn = StaffConnection(ws, parts, staff, store, locale, session_id=row.id)
    session_reader = SocketSession(conn, parts.hub, f.STAFF_FRAMES, f.STAFF_TYPES)
    try:
        hello = await session_reader.wait_hello(f.StaffHello)
        if hello is None:
            return
        await conn.on_hello(hello)
        await session_reader.serve(conn.handle)
    except WebSocketDisconnect:
        return  # the staff member left while the hello was answered
    finally:
        await session_reader.finish()


async def staff_signed_out(presence: Presence, publisher: Publisher, notifier: StateNotifier,
                           store_id: str, staff_id: str, *,
                           keep_session: str | None = None) -> None:
    """Logout or disable: offline at once, every socket of that staff member closed.

    With `keep_session` (one's own password change) the sockets of that session stay
    open, and so does the presence they hold.
    """
    if keep_session is None:
        await presence.logout(store_id, staff_id)
    await publisher.publish_all([(staff_channel(staff_id),
                                  {"type": "_logout", "_keep": keep_session})])
    notifier.notify(store_id)
