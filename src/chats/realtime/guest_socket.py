"""`/ws/guest`: the widget's socket (protocol §2)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from chats.db.models import Conversation
from chats.domain.availability import Availability
from chats.domain.conversation import ConversationStatus
from chats.domain.ratelimit import TokenBucket, guest_send_bucket, typing_bucket
from chats.errors import ChatsError
from chats.i18n import LOCALES
from chats.mail.links import verify_mail_link
from chats.mail.sender import wake_sender
from chats.realtime import frames as f
from chats.realtime.audience import guest_channel, staff_channel, store_guests_channel
from chats.realtime.connection import CLOSE_POLICY, Connection
from chats.realtime.protocol import BadFrame
from chats.realtime.session import SocketSession
from chats.services import conversations as conversation_service
from chats.services import guests as guest_service
from chats.services import messages as message_service
from chats.services import state

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

log = logging.getLogger(__name__)


def ack_frame(message: Any) -> dict[str, Any]:
    """The `ack` for a stored message."""
    return {"type": "ack", "client_msg_id": message.client_msg_id,
            "conversation_id": message.conversation_id, "seq": message.seq,
            "message_id": message.id}


class GuestConnection(Connection):
    """A guest's socket: its guest, store, open conversation and rate limits."""

    kind = "guest"

    def __init__(self, ws: WebSocket, ctx: Any) -> None:
        super().__init__(ws, ctx, locale="ja")
        self.store_id = ""
        self.store_locale = "ja"
        self.guest_id = ""
        self.blacklisted = False
        self.conversation_id: str | None = None
        self.conversation_status: str | None = None
        self.staff_id: str | None = None
        self.last_availability: str | None = None
        self.send_bucket = guest_send_bucket()
        self.typing_bucket = typing_bucket()
        self.start_bucket = TokenBucket(capacity=5, refill_per_second=0.2)
        self.form_bucket = TokenBucket(capacity=10, refill_per_second=0.5)

    # -- events from the hub (writer task) ------------------------------------
    def offer(self, frame: dict[str, Any]) -> None:
        """Drop at once a store availability frame that would change nothing for this guest.

        Every state publish reaches every guest of the store; most see the same status
        again. Only when nothing is waiting to be written is `last_availability` final.
        """
        if (frame.get("type") == "availability" and self.ready and self._drain is None
                and not frame.get("_blacklisted")
                and (Availability.AWAY.value if self.blacklisted else frame.get("status"))
                == self.last_availability):
            return
        super().offer(frame)

    async def handle_event(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "availability":
            await self._send_availability(frame)
        elif kind == "conversation":
            self._track(frame)
            await self.send(frame)
        elif kind == "_queue_position":
            if frame["conversation_id"] == self.conversation_id and \
                    self.conversation_status == "waiting":
                await self.send({"type": "conversation", "id": self.conversation_id,
                                 "status": "waiting", "staff": None,
                                 "queue_position": frame["queue_position"]})
        elif kind == "_unblacklisted":
            self.blacklisted = False
            await self._refresh_availability()
        elif kind == "_refresh":
            await self._refresh_availability()
        elif kind is not None and not kind.startswith("_"):
            await self.send(frame)

    def _track(self, frame: dict[str, Any]) -> None:
        status = frame.get("status")
        if status in ("waiting", "active"):
            self.conversation_id = frame["id"]
            self.conversation_status = status
            self.staff_id = frame.get("_staff_id")
        elif frame.get("id") == self.conversation_id:
            self.conversation_status = status
            self.staff_id = None

    async def _send_availability(self, frame: dict[str, Any]) -> None:
        if frame.get("_blacklisted"):
            self.blacklisted = True
        status = Availability.AWAY.value if self.blacklisted else frame["status"]
        if status != self.last_availability:
            self.last_availability = status
            await self.send({"type": "availability", "status": status})

    async def _refresh_availability(self) -> None:
        async with self.ctx.db.read() as session:
            status = await state.guest_availability_now(
                session, self.ctx.presence, self.store_id, blacklisted=self.blacklisted
            )
        await self._send_availability({"status": status.value})

    # -- frames from the client (reader) -------------------------------------
    async def on_hello(self, hello: f.GuestHello) -> None:
        """Identify the guest, subscribe, send `welcome` and the history it needs."""
        ctx = self.ctx
        linked = verify_mail_link(ctx.settings.secret_key, hello.token) \
            if hello.token and "." in hello.token else None
        async with ctx.unit_of_work() as uow:
            store = await guest_service.store_by_key(uow.session, hello.store)
            guest = await self._linked_guest(uow.session, store.id, linked)
            if guest is not None and hello.token:
                # M2: the e-mail link's signed token stands for that guest until it expires.
                token = hello.token
            else:
                guest, token = await guest_service.identify(uow.session, store, hello.token)
                linked = None
            if hello.locale:
                guest.locale = hello.locale
        self.store_id, self.guest_id, self.blacklisted = store.id, guest.id, guest.blacklisted
        self.store_locale = store.locale
        self.locale = hello.locale or guest.locale or store.locale
        if self.locale not in LOCALES:
            self.locale = "ja"
        ctx.hub.register(self, {guest_channel(guest.id), store_guests_channel(store.id)})
        async with ctx.db.read() as session:
            conversation = await conversation_service.open_conversation(session, guest.id)
            conversation = conversation or await conversation_service.conversation_with_unread(
                session, guest.id)
            if conversation is None and linked is not None:
                conversation = await session.get(Conversation, linked[1])
            availability = await state.guest_availability_now(
                session, ctx.presence, store.id, blacklisted=guest.blacklisted)
            unread = await guest_service.unread_for_guest(session, guest.id)
            conv_frame = None
            if conversation is not None:
                staff_name = await self._staff_name(session, conversation.staff_id)
                conv_frame = conversation_service.guest_conversation_frame(
                    conversation, staff_name=staff_name)
                self._track(conv_frame)
        self.last_availability = availability.value
        welcome = {"type": "welcome", "token": token, "guest_id": guest.id,
                   "availability": availability.value,
                   "conversation": {k: v for k, v in conv_frame.items() if k != "_staff_id"}
                   if conv_frame else None,
                   "unread": unread, "blacklisted": guest.blacklisted}
        first: list[dict[str, Any]] = [welcome]
        resume = hello.resume
        if resume is not None:
            self.seen[resume.conversation_id] = resume.after_seq
            first.append({"type": "_sync", "conversation_id": resume.conversation_id})
        if conversation is not None and (resume is None or
                                         resume.conversation_id != conversation.id):
            self.seen[conversation.id] = max(0, conversation.last_seq -
                                             message_service.HISTORY_LIMIT)
            first.append({"type": "_sync", "conversation_id": conversation.id})
        self.open(first)

    async def _linked_guest(self, session: Any, store_id: str,
                            linked: tuple[str, str] | None) -> Any:
        """The guest an e-mail link names, if it belongs to this store."""
        from chats.db.models import Guest

        if linked is None:
            return None
        guest = await session.get(Guest, linked[0])
        conversation = await session.get(Conversation, linked[1])
        if guest is None or guest.store_id != store_id or conversation is None \
                or conversation.guest_id != guest.id:
            return None
        return guest

    async def _staff_name(self, session: Any, staff_id: str | None) -> str | None:
        from chats.db.models import Staff

        if not staff_id:
            return None
        staff = await session.get(Staff, staff_id)
        return staff.name if staff else None

    def _owned(self, conversation_id: str) -> None:
        if conversation_id not in self.seen and conversation_id != self.conversation_id:
            raise ChatsError("not_found")

    def _limit(self, bucket: TokenBucket) -> None:
        if not bucket.try_take(time.monotonic()):
            raise ChatsError("rate_limited")

    async def handle(self, frame: Any) -> None:
        """Dispatch one validated client frame."""
        handler = getattr(self, f"on_{frame.type}", None)
        if handler is None or frame.type == "hello":
            raise BadFrame(detail="hello")
        await handler(frame)

    async def on_form_shown(self, _frame: f.FormShown) -> None:
        self._limit(self.form_bucket)
        async with self.ctx.unit_of_work() as uow:
            await conversation_service.bump_daily(uow.session, self.store_id, "forms_shown")

    async def on_start(self, frame: f.Start) -> None:
        self._limit(self.start_bucket)
        if self.blacklisted:
            raise ChatsError("blacklisted")
        ctx = self.ctx
        async with ctx.unit_of_work() as uow:
            guest = await self._guest(uow.session)
            if guest.blacklisted:
                self.blacklisted = True
                raise ChatsError("blacklisted")
            existing = await conversation_service.open_conversation(uow.session, guest.id)
            if existing is None:
                availability = await state.store_availability_now(
                    uow.session, ctx.presence, self.store_id)
                if availability is not Availability.WAITING:
                    raise ChatsError("unavailable")
            fields = await guest_service.store_fields(uow.session, self.store_id)
            allowed = {fd.key for fd in fields if fd.ask_before_chat}
            conversation = await conversation_service.start(
                uow, guest=guest, nickname=frame.nickname, fields=frame.fields,
                allowed_fields=allowed)
            self.seen.setdefault(conversation.id, 0)
        ctx.notifier.notify(self.store_id)

    async def _guest(self, session: Any) -> Any:
        from chats.db.models import Guest

        guest = await session.get(Guest, self.guest_id)
        assert guest is not None
        return guest

    async def on_send(self, frame: f.GuestSend) -> None:
        self._limit(self.send_bucket)
        started = time.perf_counter()
        job = message_service.guest_send_job(
            self.guest_id, frame.client_msg_id, conversation_service.clean_text(frame.text))
        try:
            stored = await message_service.run_send(self.ctx.db.writer, job)
        except message_service.DuplicateMessage as dup:
            self.offer(ack_frame(dup.message))
            return
        await self.ctx.publish_all(conversation_service.message_events(stored))
        self.offer(ack_frame(stored))
        self._observe(started, "guest")

    def _observe(self, started: float, author: str) -> None:
        metrics = self.ctx.extras.get("metrics")
        if metrics is not None:
            metrics.send_latency.observe(time.perf_counter() - started)
            metrics.messages.labels(author).inc()

    async def on_typing(self, frame: f.GuestTyping) -> None:
        if not self.typing_bucket.try_take(time.monotonic()):
            raise ChatsError("rate_limited")
        if self.conversation_status != "active" or not self.staff_id:
            return
        await self.ctx.publish_all([(staff_channel(self.staff_id), {
            "type": "typing", "conversation_id": self.conversation_id, "text": frame.text})])

    async def on_read(self, frame: f.Read) -> None:
        from chats.db.models import Conversation

        async with self.ctx.unit_of_work() as uow:
            conversation = await uow.session.get(Conversation, frame.conversation_id)
            if conversation is None or conversation.guest_id != self.guest_id:
                raise ChatsError("not_found")
            await conversation_service.mark_read(uow, conversation=conversation, reader="guest",
                                                 seq=frame.seq)

    async def on_leave_message(self, frame: f.LeaveMessage) -> None:
        self._limit(self.start_bucket)
        if self.blacklisted:
            raise ChatsError("blacklisted")
        from chats.realtime.audience import store_staff_channel

        try:
            async with self.ctx.unit_of_work() as uow:
                guest = await self._guest(uow.session)
                conversation, message = await conversation_service.leave_message(
                    uow, guest=guest, client_msg_id=frame.client_msg_id,
                    nickname=frame.nickname, email=frame.email, text=frame.text)
                await self._queue_left_mail(uow, conversation.id, guest.nickname or "",
                                            message.text)
                uow.publish(store_staff_channel(self.store_id),
                            {"type": "guest_updated", "guest_id": guest.id})
            ack = ack_frame(message)
            wake_sender(self.ctx)
        except message_service.DuplicateMessage as dup:
            ack = ack_frame(dup.message)
        self.offer(ack)

    async def _queue_left_mail(self, uow: Any, conversation_id: str, nickname: str,
                               text: str) -> None:
        from chats.db.models import Store
        from chats.mail.outbox import queue_left_message_notifications

        store = await uow.session.get(Store, self.store_id)
        await queue_left_message_notifications(
            uow.session, settings=self.ctx.settings, store=store,
            conversation_id=conversation_id, nickname=nickname, text=text)

    async def on_end(self, _frame: f.GuestEnd) -> None:
        async with self.ctx.unit_of_work() as uow:
            guest = await self._guest(uow.session)
            await conversation_service.end_by_guest(uow, guest=guest, locale=self.store_locale)
        self.ctx.notifier.notify(self.store_id)


async def guest_socket(ws: WebSocket) -> None:
    """Serve one guest socket until it closes."""
    ctx = ws.app.state.ctx
    await ws.accept()
    conn = GuestConnection(ws, ctx)
    session = SocketSession(conn, f.GUEST_FRAMES, f.GUEST_TYPES)
    try:
        hello = await session.wait_hello(f.GuestHello)
        if hello is None:
            return
        try:
            await conn.on_hello(hello)
        except ChatsError as exc:
            await conn.send({"type": "error", "code": exc.code,
                             "message": exc.message(conn.locale)})
            await conn.close(CLOSE_POLICY)
            return
        await session.serve(conn.handle)
    finally:
        await session.finish()


__all__ = ["ConversationStatus", "GuestConnection", "asyncio", "guest_socket"]
