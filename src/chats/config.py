"""Settings: one class, read from the environment (prefix CHATS_) and a .env file."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from chats.domain.hash_cost import (
    DEFAULT_ITERATIONS,
    DEFAULT_MEMORY_KIB,
    MIN_MEMORY_KIB,
    check_hash_cost,
)

# The default of earlier versions: a key everybody knows, refused whatever the URL.
OLD_DEFAULT_SECRET = "change-me-in-production"  # noqa: S105 - only ever refused
MIN_SECRET_BYTES = 32
KEY_FILE = "secret_key"


class Settings(BaseSettings):
    """Every setting of the server; the README's settings table lists each one."""

    model_config = SettingsConfigDict(env_prefix="CHATS_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="Database URL: `sqlite:///path/chats.db` or `postgresql://user@host:5432/db`. "
        "Default: `chats.db` in the data directory.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL (`redis://host:6379/0`). Unset: one process, in-memory delivery. "
        "Set: several processes share presence and delivery through Redis.",
    )
    redis_prefix: str = Field(
        default="chats",
        description="Prefix of every Redis key and channel (several installations can share one "
        "Redis).",
    )
    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the SQLite database and uploaded files.",
    )
    secret_key: str = Field(
        default="",
        description="Secret for signed tokens (e-mail links, device cookies), at least 32 bytes. "
        "Unset: one process on SQLite generates a random one on first start and keeps it in "
        "`secret_key` in the data directory (mode 0600); several processes (PostgreSQL or "
        "Redis) must all be given the same one, and refuse to start without it.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The URL people reach the server at; its origin is allowed for staff "
        "WebSockets, cookies are Secure when it is https.",
    )
    smtp_url: str | None = Field(
        default=None,
        description="SMTP server (`smtp://user:pass@host:587`, `smtps://…` for TLS). "
        "Unset: mails are written to the log.",
    )
    mail_from: str = Field(
        default="CHATS <chats@localhost>",
        description="The From address of outgoing mail.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Other origins of this server (comma-separated): they may open staff "
        "WebSockets and count as CHATS's own for guest sockets. Not for shop sites.",
    )
    presence_grace_seconds: float = Field(
        default=15.0,
        ge=0,
        le=30,
        description="How long a staff member stays online after its last socket closed.",
    )
    offline_release_seconds: float = Field(
        default=45.0,
        ge=0,
        le=3600,
        description="How long a staff member's active chats wait for it once it is offline "
                    "(after the presence grace) before they go back to the waiting queue.",
    )
    presence_ttl_seconds: float = Field(
        default=60.0,
        ge=3,
        le=600,
        description="How long a staff socket counts as live without a heartbeat (a process "
        "that died drops out of the online list after at most this long).",
    )
    db_pool_size: int = Field(
        default=30,
        ge=1,
        le=500,
        description="PostgreSQL connections per process (SQLite: one writer and 16 readers). "
        "Keep processes × this under the server's `max_connections`.",
    )
    db_pool_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description="How long a request waits for a free database connection; past it the "
        "answer is 503 with `Retry-After` (overloaded), never a hang.",
    )
    upload_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest accepted upload, in bytes.",
    )
    upload_quota_bytes: int = Field(
        default=1024 * 1024 * 1024,
        ge=0,
        description="Total bytes of uploads one store may keep (chat files, stamps, admin "
        "pictures); an upload past it is refused and nothing is stored.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (IP addresses or CIDR networks, comma-separated) whose "
        "`X-Forwarded-For` names the client. Empty: trust nobody, the client is the socket's "
        "peer. Per-address limits and login throttling use this address.",
    )
    limit_visits_per_minute: int = Field(
        default=600,
        ge=1,
        description="Page views (`/visit`) one client address may record per minute (burst of "
        "the same size).",
    )
    limit_new_guests_per_hour: int = Field(
        default=300,
        ge=1,
        description="New guests one client address may create per store and hour (a page view "
        "or a chat of a visitor without a known token).",
    )
    limit_hellos_per_minute: int = Field(
        default=300,
        ge=1,
        description="Guest sockets one client address may open (`hello`) per minute.",
    )
    limit_starts_per_minute: int = Field(
        default=60,
        ge=1,
        description="Chats started and messages left (`start`, `leave_message`) per client "
        "address and minute.",
    )
    limit_sends_per_minute: int = Field(
        default=600,
        ge=1,
        description="Guest messages (`send`) per client address and minute, over all its "
        "sockets (each socket also has its own limit, protocol §2).",
    )
    limit_typing_per_minute: int = Field(
        default=3000,
        ge=1,
        description="Guest `typing` frames per client address and minute, over all its sockets.",
    )
    limit_postal_lookups_per_minute: int = Field(
        default=60,
        ge=1,
        description="Postal code look-ups of the guest's entry form per client address and "
        "minute.",
    )
    limit_api_requests_per_minute: int = Field(
        default=600,
        ge=1,
        description="REST API calls per API token and minute (a burst of that many, then "
        "that rate).",
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token that `/metrics` requires (`Authorization: Bearer …`; at least "
        "16 characters). Unset: `/metrics` answers 404.",
    )
    webhooks_allow_private: bool = Field(
        default=False,
        description="Allow webhook endpoints on private, loopback, link-local and other "
        "non-global addresses (checked when saved and at every delivery).",
    )
    webhooks_retry_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Delay before a failed webhook delivery's first retry; it doubles per "
        "failure (±20 %) up to an hour, for 24 hours.",
    )
    webhooks_lease_seconds: float = Field(
        default=30.0,
        ge=1,
        le=600,
        description="How long a process holds a webhook delivery it is sending without "
        "renewal: a process killed mid-delivery frees it this fast.",
    )
    audit_retention_days: int = Field(
        default=365,
        ge=1,
        le=36500,
        description="Days the audit log keeps an entry; older ones are purged hourly.",
    )
    password_hash_memory_kib: int = Field(
        default=DEFAULT_MEMORY_KIB,
        ge=MIN_MEMORY_KIB,
        le=4194304,
        description="argon2id memory per password hash, in KiB (default 64 MiB). With "
        "`CHATS_PASSWORD_HASH_ITERATIONS`, at least OWASP's floor: 7168 KiB, and memory x "
        "iterations >= 35840. Changed, each staff member's hash is redone at their next login.",
    )
    password_hash_iterations: int = Field(
        default=DEFAULT_ITERATIONS,
        ge=1,
        le=20,
        description="argon2id passes over that memory (default 3).",
    )
    log_level: str = Field(default="INFO", description="Log level (DEBUG, INFO, WARNING…).")
    log_json: bool = Field(default=True, description="Structured JSON logs (false: plain text).")

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: object) -> object:
        if isinstance(data, dict):
            for name in ("allowed_origins", "trusted_proxies"):
                raw = data.get(name)
                if isinstance(raw, str):
                    data[name] = [o.strip() for o in raw.split(",") if o.strip()]
        return data

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # a ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _refuse_insecure(self) -> Settings:
        if self.secret_key:
            check_secret_key(self.secret_key)
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ValueError("CHATS_METRICS_TOKEN must be at least 16 characters")
        check_hash_cost(self.password_hash_memory_kib, self.password_hash_iterations)
        return self

    @property
    def shared_by_processes(self) -> bool:
        """True when several processes may serve this installation (PostgreSQL or Redis)."""
        return bool(self.redis_url) or not self.effective_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry Secure when the public URL is https."""
        return self.public_url.startswith("https://")

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chats.db').resolve()}"

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files are stored."""
        return self.data_dir / "uploads"

    def public_origin(self) -> str:
        """scheme://host[:port] of the public URL."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"


def check_secret_key(key: str) -> None:
    """Refuse a known or short secret key (ValueError)."""
    if key.strip() == OLD_DEFAULT_SECRET:
        raise ValueError("CHATS_SECRET_KEY is the old public default; set a random one "
                         "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"CHATS_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes")


def _read_secret_file(path: Path) -> str:
    key = path.read_text("utf-8").strip()
    check_secret_key(key)
    return key


def _create_secret_file(path: Path) -> str:
    """Write a new random key, readable by this user only; a racing process's file wins."""
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret_file(path)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key


def with_secret_key(settings: Settings) -> Settings:
    """The settings with their secret key: given, or kept in the data directory.

    A generated key only works for one process: several processes must sign alike,
    so with PostgreSQL or Redis an unset CHATS_SECRET_KEY refuses to start.
    """
    if settings.secret_key:
        return settings
    if settings.shared_by_processes:
        raise ValueError("CHATS_SECRET_KEY must be set when several processes share the "
                         "installation (PostgreSQL or Redis): give every process the same one")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / KEY_FILE
    key = _read_secret_file(path) if path.exists() else _create_secret_file(path)
    return settings.model_copy(update={"secret_key": key})
