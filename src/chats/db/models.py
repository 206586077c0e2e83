"""The data model of the whole catalogue (features.md): one table per noun."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chats.domain.audit import ActorKind, AuditAction
from chats.domain.conversation import ConversationKind, ConversationStatus, EndReason
from chats.domain.mail import MailStatus
from chats.domain.staff import StaffRole
from chats.domain.webhooks import DeliveryStatus
from chats.ids import new_id, utcnow

if TYPE_CHECKING:
    from enum import StrEnum

    from sqlalchemy.engine import Dialect

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python; naive UTC on SQLite, timestamptz on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def _str_enum(enum: type[StrEnum], length: int) -> Enum:
    """A StrEnum in Python, the same plain VARCHAR(length) in the database: no CHECK, no type."""
    return Enum(enum, native_enum=False, create_constraint=False, length=length,
                values_callable=_values, validate_strings=True)


def _id() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def _created() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


class Store(Base):
    """A tenant: one shop or company with its widget, staff and guests."""

    __tablename__ = "stores"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(200))
    widget_key: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    # IANA zone whose calendar days the statistics count in (A5).
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo",
                                           server_default="Asia/Tokyo")
    # A3: logo upload id, header background, bubble colours.
    theme: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A2: {"away"|"waiting"|"busy": upload id}; a missing key means the built-in image.
    button_images: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Sites (scheme://host[:port]) that may frame the guest panel and open guest sockets
    # from their pages; empty: any site (the admin menu warns).
    embed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
    # S10: every staff member must use a second factor (TOTP) to log in.
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False,
                                                     server_default=false())
    # Issue 14: while every staff member is busy a guest may still join the queue.
    queue_when_busy: Mapped[bool] = mapped_column(Boolean, default=True,
                                                  server_default=true())
    # Issue 18: set by `chats stores suspend`; its widget shows nothing, its staff
    # cannot sign in.
    suspended_at: Mapped[datetime | None] = mapped_column(default=None)
    # Issue 16: business hours (営業時間) as services/business_hours.py stores them
    # (weekly ranges, holidays, closures, special days); None: no hours, always open.
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Issue 19: the satisfaction rating's switch and wording (services/csat.py); None: off.
    csat: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = _created()


class Staff(Base):
    """A staff member (担当者) of a store: admin or agent."""

    __tablename__ = "staff"
    # Login IDs are unique within a store only: they reveal nothing across stores.
    __table_args__ = (UniqueConstraint("store_id", "login_id"),)
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    login_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    role: Mapped[StaffRole] = mapped_column(_str_enum(StaffRole, 16), default=StaffRole.AGENT)
    max_chats: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sound_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_left_messages: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    password_hash: Mapped[str] = mapped_column(String(200))
    password_changed_at: Mapped[datetime] = _created()
    # S10: the TOTP secret (base32) when the second factor is on; a secret being set up
    # waits in totp_pending until its first code confirms it.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_pending: Mapped[str | None] = mapped_column(String(64), default=None)
    # The last time step whose code was accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = _created()


class RecoveryCode(Base):
    """A one-time recovery code of a staff member's second factor (stored hashed)."""

    __tablename__ = "recovery_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = _created()


class LoginChallenge(Base):
    """A login halfway: the password was right, the second factor is still asked for."""

    __tablename__ = "login_challenges"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = _created()


class StaffSession(Base):
    """A server-side login session; the cookie holds the token, the table its hash."""

    __tablename__ = "staff_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()
    last_seen_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column()
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)


class LoginThrottle(Base):
    """Failed-login counters per account and per client address."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = _created()
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class StoreField(Base):
    """A field of the user-information panel (A4); removed fields stay, hidden."""

    __tablename__ = "store_fields"
    __table_args__ = (UniqueConstraint("store_id", "key"),)
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16), default="text")
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    ask_before_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _created()


class Guest(Base):
    """A visitor of a store's site, known by a bearer token kept in the browser."""

    __tablename__ = "guests"
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nickname: Mapped[str | None] = mapped_column(String(100), default=None)
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    search_text: Mapped[str] = mapped_column(Text, default="")
    first_referrer: Mapped[str | None] = mapped_column(Text, default=None)
    first_seen_at: Mapped[datetime] = _created()
    last_seen_at: Mapped[datetime] = _created()
    last_contact_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # Issue 17 item 4: set when an admin erased the guest; its fields, notes, messages,
    # page views and files are gone, its conversations stay for the statistics.
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class PageView(Base):
    """One page of the store's site viewed by a guest (G4, S3.3)."""

    __tablename__ = "page_views"
    __table_args__ = (Index("ix_page_views_guest_viewed", "guest_id", "viewed_at"),
                      # The retention purge walks a store's oldest views.
                      Index("ix_page_views_store_viewed", "store_id", "viewed_at"))
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    guest_id: Mapped[str] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    referrer: Mapped[str | None] = mapped_column(Text, default=None)
    viewed_at: Mapped[datetime] = _created()


class Conversation(Base):
    """One chat session between a guest and the store's staff."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_store_status", "store_id", "status"),
        Index("ix_conversations_staff_status", "staff_id", "status"),
        Index("ix_conversations_guest_created", "guest_id", "created_at"),
        Index("ix_conversations_store_rated", "store_id", "rated_at"),
    )
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    guest_id: Mapped[str] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    # chat: started from the widget; message: left while away (G6); offline: M1 replies.
    kind: Mapped[ConversationKind] = mapped_column(
        _str_enum(ConversationKind, 16), default=ConversationKind.CHAT
    )
    status: Mapped[ConversationStatus] = mapped_column(
        _str_enum(ConversationStatus, 16), default=ConversationStatus.WAITING
    )
    nickname: Mapped[str | None] = mapped_column(String(100), default=None)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    guest_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    staff_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    end_reason: Mapped[EndReason | None] = mapped_column(_str_enum(EndReason, 32), default=None)
    # Issue 16: a message left while the store was outside its business hours.
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Issue 19: the guest's satisfaction rating (1–5) of the ended chat, and its comment.
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    rating_comment: Mapped[str | None] = mapped_column(Text, default=None)
    rated_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = _created()
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class Message(Base):
    """A message of a conversation; `seq` is 1, 2, 3… per conversation, assigned at commit."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "author", "client_msg_id"),
        # The retention purge walks a store's oldest messages.
        Index("ix_messages_store_created", "store_id", "created_at"),
    )
    id: Mapped[str] = _id()
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    client_msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    kind: Mapped[str] = mapped_column(String(8), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    stamp: Mapped[str | None] = mapped_column(String(64), default=None)
    upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = _created()


class CannedResponse(Base):
    """A canned response (定型文): store-wide when staff_id is null, else personal."""

    __tablename__ = "canned_responses"
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), default=None
    )
    shortcut: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class Stamp(Base):
    """A stamp (sticker) of a store; the built-in set ships with the front end."""

    __tablename__ = "stamps"
    __table_args__ = (UniqueConstraint("store_id", "code"),)
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="SET NULL"), default=None
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created()


class Upload(Base):
    """A file stored under the data directory with a random name."""

    __tablename__ = "uploads"
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), default=None
    )
    purpose: Mapped[str] = mapped_column(String(16))  # chat_file, button, logo, stamp
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    guest_id: Mapped[str | None] = mapped_column(
        ForeignKey("guests.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = _created()


class DailyStat(Base):
    """Counters per store and day (A5): form shown and form executed."""

    __tablename__ = "daily_stats"
    store_id: Mapped[str] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    forms_shown: Mapped[int] = mapped_column(Integer, default=0)
    forms_executed: Mapped[int] = mapped_column(Integer, default=0)


class MailOutbox(Base):
    """An e-mail to send, written in the transaction of the event that causes it (P3)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_addr: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    message_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[MailStatus] = mapped_column(
        _str_enum(MailStatus, 16), default=MailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime] = _created()
    locked_by: Mapped[str | None] = mapped_column(String(64), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = _created()
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class ApiToken(Base):
    """An integrator's bearer token for one store's REST API (/api/v1); only its hash is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(8))  # "read", or "write" (which includes read)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    hint: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell it
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    """One admin or security action of a store (issue 17 item 5): who, when, what, from where.

    The actor is kept by id and by name as it was then, without a foreign key: the row
    outlives the staff member or token it names.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_store_at", "store_id", "at"),)
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[AuditAction] = mapped_column(_str_enum(AuditAction, 40))
    actor_kind: Mapped[ActorKind] = mapped_column(_str_enum(ActorKind, 16))
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    actor_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(40), default=None)
    target_id: Mapped[str | None] = mapped_column(String(32), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Webhook(Base):
    """An outgoing webhook endpoint of a store (issue 17 item 3); the secret signs its calls."""

    __tablename__ = "webhooks"
    id: Mapped[str] = _id()
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(100))  # "whsec_" + base64: needed to sign
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created()
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)  # set after a day failing


class WebhookDelivery(Base):
    """One event for one endpoint, written in the transaction of the event (the outbox)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
    )
    id: Mapped[str] = _id()  # the `webhook-id` header: the same on every attempt
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(32))  # the message, conversation or guest
    body: Mapped[str | None] = mapped_column(Text, default=None)  # None: built on first attempt
    status: Mapped[DeliveryStatus] = mapped_column(
        _str_enum(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = _created()
    retry_until: Mapped[datetime] = _created()  # given up after this (a day; "send again" renews)
    locked_by: Mapped[str | None] = mapped_column(String(64), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = _created()
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    response_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response_excerpt: Mapped[str | None] = mapped_column(Text, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
