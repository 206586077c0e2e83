"""`/ws/guest`: the widget's socket (protocol §2)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocketDisconnect

from chats.db.models import Conversation, Guest, Staff, Store
from chats.domain.availability import Availability
from chats.domain.conversation import OPEN_STATUSES, ConversationStatus
from chats.domain.ratelimit import Rule, TokenBucket, guest_send_bucket, typing_bucket
from chats.errors import ChatsError
from chats.events.audience import (
    guest_channel,
    staff_channel,
    store_guests_channel,
    store_staff_channel,
)
from chats.i18n import LOCALES
from chats.mail.links import verify_mail_link
from chats.mail.outbox import queue_left_message_notifications
from chats.realtime import frames as f
from chats.realtime.connection import CLOSE_POLICY, Connection
from chats.realtime.embed import guest_origin_allowed
from chats.realtime.protocol import BadFrame
from chats.realtime.session import SocketSession
from chats.services import conversations as conversation_service
from chats.services import csat as csat_service
from chats.services import guests as guest_service
from chats.services import messages as message_service
from chats.services import state
from chats.services import transcript as transcript_service
from chats.services import waits as wait_service

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from chats.realtime.parts import SocketParts

log = logging.getLogger(__name__)


def ack_frame(message: Any) -> dict[str, Any]:
    """The `ack` for a stored message."""
    return {"type": "ack", "client_msg_id": message.client_msg_id,
            "conversation_id": message.conversation_id, "seq": message.seq,
            "message_id": message.id}


class GuestConnection(Connection):
    """A guest's socket: its guest, store, open conversation and rate limits."""

    kind = "guest"

    def __init__(self, ws: WebSocket, parts: SocketParts) -> None:
        super().__init__(ws, db=parts.db, metrics=parts.metrics, locale="ja")
        self.parts = parts
        self.store_id = ""
        self.store_locale = "ja"
        self.guest_id = ""
        self.blacklisted = False
        self.conversation_id: str | None = None
        self.conversation_status: ConversationStatus | None = None
        self.staff_id: str | None = None
        # (status, busy, opens_at) as last sent
        self.last_view: tuple[str, Any, str | None] | None = None
        self.send_bucket = guest_send_bucket()
        self.typing_bucket = typing_bucket()
        self.start_bucket = TokenBucket(capacity=5, refill_per_second=0.2)
        self.form_bucket = TokenBucket(capacity=10, refill_per_second=0.5)
        # Issue 19: ratings and transcript requests; each also has a per-conversation rule.
        self.after_bucket = TokenBucket(capacity=10, refill_per_second=0.2)
        # Per-address budgets hold across this client's sockets and our processes.
        self.address = parts.limits.address(ws)
        self.unsaved: guest_service.UnsavedGuest | None = None

    # -- events from the hub (writer task) ------------------------------------
    def offer(self, frame: dict[str, Any]) -> None:
        """Drop at once a store availability frame that would change nothing for this guest.

        Every state publish reaches every guest of the store; most see the same status
        again. Only when nothing is waiting to be written is `last_view` final.
        """
        if (frame.get("type") == "availability" and self.ready and self._drain is None
                and not frame.get("_blacklisted") and self._view(frame) == self.last_view):
            return
        super().offer(frame)

    def _view(self, frame: dict[str, Any]) -> tuple[str, Any, str | None]:
        """What this guest sees of an availability frame: plain away when blacklisted."""
        if self.blacklisted:
            return (Availability.AWAY.value, None, None)
        status = frame["status"]
        return (status, frame.get("busy") if status == Availability.BUSY.value else None,
                frame.get("opens_at") if status == Availability.AWAY.value else None)

    async def handle_event(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "availability":
            await self._send_availability(frame)
        elif kind in ("_store_suspended", "_guest_erased"):
            # `chats stores suspend` (issue 18); an admin erased this guest (issue 17)
            await self.close(1008)
        elif kind == "conversation":
            self._track(frame)
            await self.send(frame)
        elif kind == "_queue_position":
            if frame["conversation_id"] == self.conversation_id and \
                    self.conversation_status == ConversationStatus.WAITING:
                await self.send({"type": "conversation", "id": self.conversation_id,
                                 "status": ConversationStatus.WAITING, "staff": None,
                                 "queue_position": frame["queue_position"]})
        elif kind == "_unblacklisted":
            self.blacklisted = False
            await self._refresh_availability(unblacklisted=True)
        elif kind == "_refresh":
            await self._refresh_availability()
        elif kind is not None and not kind.startswith("_"):
            await self.send(frame)

    def _track(self, frame: dict[str, Any]) -> None:
        # Frames come decoded from the broker: their status is a plain string.
        status = None if frame.get("status") is None else ConversationStatus(frame["status"])
        if status in OPEN_STATUSES:
            self.conversation_id = frame["id"]
            self.conversation_status = status
            self.staff_id = frame.get("_staff_id")
        elif frame.get("id") == self.conversation_id:
            self.conversation_status = status
            self.staff_id = None

    async def _send_availability(self, frame: dict[str, Any]) -> None:
        flipped = False
        if frame.get("_blacklisted") and not self.blacklisted:
            self.blacklisted = flipped = True
        view = self._view(frame)
        if view != self.last_view or flipped:
            self.last_view = view
            out: dict[str, Any] = {"type": "availability", "status": view[0]}
            if view[1] is not None:
                out["busy"] = view[1]  # issue 14: the queue's length and the wait
            if view[2] is not None:
                out["opens_at"] = view[2]  # issue 16: outside business hours
            if flipped:
                # The panel must stop offering forms the server would refuse (G6).
                out["blacklisted"] = True
            await self.send(out)

    async def _refresh_availability(self, *, unblacklisted: bool = False) -> None:
        async with self.db.read() as session:
            frame = await self._availability_now(session)
        if unblacklisted:
            self.last_view = self._view(frame)
            await self.send({**frame, "blacklisted": False})
            return
        await self._send_availability(frame)

    async def _availability_now(self, session: Any) -> dict[str, Any]:
        """The `availability` frame for this guest as things stand."""
        status, hours = await state.guest_availability_now(
            session, self.parts.presence, self.store_id, blacklisted=self.blacklisted,
            now=self.parts.notifier.clock.now())
        frame: dict[str, Any] = {"type": "availability", "status": status.value}
        if not hours.open and not self.blacklisted:
            frame["opens_at"] = hours.opens_at_local
        if status is Availability.BUSY:
            frame["busy"] = await wait_service.busy_now(session, self.parts.notifier.waits,
                                                        self.store_id)
        return frame

    # -- frames from the client (reader) -------------------------------------
    async def on_hello(self, hello: f.GuestHello) -> None:
        """Identify the guest, subscribe, send `welcome` and the history it needs."""
        parts = self.parts
        await parts.limits.check(parts.limits.hello, self.address)
        linked = verify_mail_link(parts.settings.secret_key, hello.token) \
            if hello.token and "." in hello.token else None
        async with parts.publisher.unit_of_work() as uow:
            store = await guest_service.store_by_key(uow.session, hello.store)
            if not guest_origin_allowed(self.ws, parts.settings, store.embed_origins):
                raise ChatsError("forbidden", "error.origin")  # issue 12: not a listed site
            guest = await self._linked_guest(uow.session, store.id, linked)
            if guest is not None and hello.token:
                # M2: the e-mail link's signed token stands for that guest until it expires.
                token = hello.token
            else:
                guest, token = await guest_service.identify_lazily(uow.session, store,
                                                                   hello.token)
                linked = None
            if isinstance(guest, guest_service.UnsavedGuest):
                self.unsaved = guest
            if hello.locale:
                guest.locale = hello.locale
        self.store_id, self.guest_id, self.blacklisted = store.id, guest.id, guest.blacklisted
        self.store_locale = store.locale
        self.locale = hello.locale or guest.locale or store.locale
        if self.locale not in LOCALES:
            self.locale = "ja"
        parts.hub.register(self, {guest_channel(guest.id), store_guests_channel(store.id)})
        async with parts.db.read() as session:
            conversation = await conversation_service.open_conversation(session, guest.id)
            conversation = conversation or await conversation_service.conversation_with_unread(
                session, guest.id)
            if conversation is None and linked is not None:
                conversation = await session.get(Conversation, linked[1])
            availability = await self._availability_now(session)
            unread = await guest_service.unread_for_guest(session, guest.id)
            resume = hello.resume
            if resume is not None and not await conversation_service.guest_owns(
                    session, resume.conversation_id, guest.id):
                # Ids are public: a foreign or unknown conversation is answered alike and
                # nothing of it is read or sent.
                resume = None
                refused = ChatsError("not_found")
            else:
                refused = None
            conv_frame = None
            if conversation is not None:
                staff_name = await self._staff_name(session, conversation.staff_id)
                conv_frame = conversation_service.guest_conversation_frame(
                    conversation, staff_name=staff_name)
                self._track(conv_frame)
        self.last_view = self._view(availability)
        welcome = {"type": "welcome", "token": token, "guest_id": guest.id,
                   "availability": availability["status"],
                   **({"busy": availability["busy"]} if "busy" in availability else {}),
                   **({"opens_at": availability["opens_at"]}
                      if "opens_at" in availability else {}),
                   "conversation": {k: v for k, v in conv_frame.items() if k != "_staff_id"}
                   if conv_frame else None,
                   "unread": unread, "blacklisted": guest.blacklisted}
        first: list[dict[str, Any]] = [welcome]
        if refused is not None:
            first.append({"type": "error", "code": refused.code,
                          "message": refused.message(self.locale)})
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
        if linked is None:
            return None
        guest = await session.get(Guest, linked[0])
        conversation = await session.get(Conversation, linked[1])
        if guest is None or guest.store_id != store_id or conversation is None \
                or conversation.guest_id != guest.id:
            return None
        return guest

    async def _staff_name(self, session: Any, staff_id: str | None) -> str | None:
        if not staff_id:
            return None
        staff = await session.get(Staff, staff_id)
        return staff.name if staff else None

    def _limit(self, bucket: TokenBucket) -> None:
        if not bucket.try_take(time.monotonic()):
            raise ChatsError("rate_limited")

    async def _limit_address(self, rule: Rule) -> None:
        await self.parts.limits.check(rule, self.address)

    async def _admit_unsaved(self) -> None:
        """A guest not stored yet spends one of its address's new guests for this store."""
        if self.unsaved is not None:
            await self.parts.limits.check(self.parts.limits.new_guest, self.address, self.store_id)

    async def handle(self, frame: Any) -> None:
        """Dispatch one validated client frame."""
        handler = getattr(self, f"on_{frame.type}", None)
        if handler is None or frame.type == "hello":
            raise BadFrame(detail="hello")
        await handler(frame)

    async def on_form_shown(self, _frame: f.FormShown) -> None:
        self._limit(self.form_bucket)
        async with self.parts.publisher.unit_of_work() as uow:
            await conversation_service.bump_daily(uow.session, self.store_id, "forms_shown")

    async def on_start(self, frame: f.Start) -> None:
        self._limit(self.start_bucket)
        await self._limit_address(self.parts.limits.start)
        if self.blacklisted:
            raise ChatsError("blacklisted")
        await self._admit_unsaved()
        async with self.parts.publisher.unit_of_work() as uow:
            guest = await self._guest(uow.session)
            if guest.blacklisted:
                self.blacklisted = True
                raise ChatsError("blacklisted")
            existing = await conversation_service.open_conversation(uow.session, guest.id)
            if existing is None:
                await self._may_start(uow.session)
            fields = await guest_service.store_fields(uow.session, self.store_id)
            allowed = [fd for fd in fields if fd.ask_before_chat]
            conversation = await conversation_service.start(
                uow, guest=guest, nickname=frame.nickname, fields=frame.fields,
                allowed_fields=allowed)
            self.seen.setdefault(conversation.id, 0)
        self.unsaved = None  # committed
        self.parts.notifier.notify(self.store_id)

    async def _may_start(self, session: Any) -> None:
        """A chat opens while a staff member is free, or busy when the store queues (issue 14)."""
        availability = await state.store_availability_now(session, self.parts.presence,
                                                          self.store_id,
                                                          self.parts.notifier.clock.now())
        if availability is Availability.WAITING or (
                availability is Availability.BUSY
                and await wait_service.queue_when_busy(session, self.store_id)):
            return
        raise ChatsError("unavailable")

    async def _guest(self, session: Any) -> Any:
        """The guest's row, written now if it had none (the caller clears `unsaved` on commit)."""
        if self.unsaved is not None:
            return await guest_service.save_guest(session, self.unsaved)
        guest = await session.get(Guest, self.guest_id)
        assert guest is not None
        return guest

    async def on_send(self, frame: f.GuestSend) -> None:
        self._limit(self.send_bucket)
        await self._limit_address(self.parts.limits.send)
        started = time.perf_counter()
        job = message_service.guest_send_job(
            self.guest_id, frame.client_msg_id, conversation_service.clean_text(frame.text))
        try:
            stored = await message_service.run_send(self.db.writer, job)
        except message_service.DuplicateMessage as dup:
            self.offer(ack_frame(dup.message))
            return
        await self.parts.publisher.publish_all(conversation_service.message_events(stored))
        self.offer(ack_frame(stored))
        self.parts.notifier.notify_overview(stored.store_id)
        self._observe(started, "guest")

    def _observe(self, started: float, author: str) -> None:
        self.metrics.send_latency.observe(time.perf_counter() - started)
        self.metrics.messages.labels(author).inc()

    async def on_typing(self, frame: f.GuestTyping) -> None:
        if not self.typing_bucket.try_take(time.monotonic()):
            raise ChatsError("rate_limited")
        await self._limit_address(self.parts.limits.typing)
        if self.conversation_status != ConversationStatus.ACTIVE or not self.staff_id:
            return
        await self.parts.publisher.publish_all([(staff_channel(self.staff_id), {
            "type": "typing", "conversation_id": self.conversation_id, "text": frame.text})])

    async def on_read(self, frame: f.Read) -> None:
        async with self.parts.publisher.unit_of_work() as uow:
            conversation = await uow.session.get(Conversation, frame.conversation_id)
            if conversation is None or conversation.guest_id != self.guest_id:
                raise ChatsError("not_found")
            await conversation_service.mark_read(uow, conversation=conversation, reader="guest",
                                                 seq=frame.seq)

    async def on_leave_message(self, frame: f.LeaveMessage) -> None:
        self._limit(self.start_bucket)
        await self._limit_address(self.parts.limits.start)
        if self.blacklisted:
            raise ChatsError("blacklisted")
        await self._admit_unsaved()
        try:
            async with self.parts.publisher.unit_of_work() as uow:
                guest = await self._guest(uow.session)
                conversation, message = await conversation_service.leave_message(
                    uow, guest=guest, client_msg_id=frame.client_msg_id,
                    nickname=frame.nickname, email=frame.email, text=frame.text,
                    now=self.parts.notifier.clock.now())
                await self._queue_left_mail(uow, conversation.id, guest.nickname or "",
                                            message.text)
                uow.publish(store_staff_channel(self.store_id),
                            {"type": "guest_updated", "guest_id": guest.id})
            self.unsaved = None  # committed
            ack = ack_frame(message)
            self.parts.wake_mail()
        except message_service.DuplicateMessage as dup:
            ack = ack_frame(dup.message)
        self.offer(ack)

    async def _queue_left_mail(self, uow: Any, conversation_id: str, nickname: str,
                               text: str) -> None:
        store = await uow.session.get(Store, self.store_id)
        await queue_left_message_notifications(
            uow.session, settings=self.parts.settings, store=store,
            conversation_id=conversation_id, nickname=nickname, text=text)

    async def on_end(self, _frame: f.GuestEnd) -> None:
        if self.unsaved is not None:
            return  # no row, so no conversation to end
        async with self.parts.publisher.unit_of_work() as uow:
            guest = await self._guest(uow.session)
            await conversation_service.end_by_guest(uow, guest=guest, locale=self.store_locale)
        self.parts.notifier.notify(self.store_id)

    async def on_rate(self, frame: f.Rate) -> None:
        """Issue 19: rate the guest's own ended chat, once; answered by `rated`."""
        self._limit(self.after_bucket)
        if self.unsaved is not None:
            raise ChatsError("not_found")
        async with self.parts.publisher.unit_of_work() as uow:
            await csat_service.rate(uow, guest_id=self.guest_id,
                                    conversation_id=frame.conversation_id, score=frame.score,
                                    comment=frame.comment)

    async def on_transcript(self, frame: f.TranscriptRequest) -> None:
        """Issue 19: mail the transcript of the guest's own ended chat (via the outbox)."""
        self._limit(self.after_bucket)
        if self.unsaved is not None:
            raise ChatsError("not_found")
        async with self.parts.publisher.unit_of_work() as uow:
            conversation = await uow.session.get(Conversation, frame.conversation_id)
            if conversation is None or conversation.guest_id != self.guest_id:
                raise ChatsError("not_found")
            mail = await transcript_service.queue_transcript(
                uow.session, settings=self.parts.settings, conversation=conversation,
                to_addr=frame.email, by="guest", locale=self.locale)
            answer = {"type": "transcript_queued", "conversation_id": conversation.id,
                      "email": mail.to_addr}
        self.parts.wake_mail()
        self.offer(answer)


async def guest_socket(ws: WebSocket) -> None:
    """Serve one guest socket until it closes."""
    parts: SocketParts = ws.app.state.sockets
    await ws.accept()
    conn = GuestConnection(ws, parts)
    session = SocketSession(conn, parts.hub, f.GUEST_FRAMES, f.GUEST_TYPES)
    try:
        hello = await session.wait_hello(f.GuestHello)
        if hello is None:
            return
        try:
            await conn.on_hello(hello)
        except ChatsError as exc:
            await conn.send({"type": "error", "code": exc.code,
                             "message": exc.message(hello.locale or conn.locale)})
            await conn.close(CLOSE_POLICY)
            return
        await session.serve(conn.handle)
    except WebSocketDisconnect:
        return  # the guest left while its hello was answered
    finally:
        await session.finish()


__all__ = ["ConversationStatus", "GuestConnection", "asyncio", "guest_socket"]
