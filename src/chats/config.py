"""Settings: one class, read from the environment (prefix CHATS_) and a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"  # noqa: S105 - refused below on https


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
        default=DEFAULT_SECRET,
        description="Secret for signed tokens (e-mail links). Must be changed when the public URL "
        "is https.",
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
        description="Extra origins allowed to open staff WebSockets (comma-separated).",
    )
    presence_grace_seconds: float = Field(
        default=15.0,
        ge=0,
        le=30,
        description="How long a staff member stays online after its last socket closed.",
    )
    presence_ttl_seconds: float = Field(
        default=60.0,
        ge=3,
        le=600,
        description="How long a staff socket counts as live without a heartbeat (a process "
        "that died drops out of the online list after at most this long).",
    )
    upload_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest accepted upload, in bytes.",
    )
    log_level: str = Field(default="INFO", description="Log level (DEBUG, INFO, WARNING…).")
    log_json: bool = Field(default=True, description="Structured JSON logs (false: plain text).")

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: object) -> object:
        if isinstance(data, dict):
            raw = data.get("allowed_origins")
            if isinstance(raw, str):
                data["allowed_origins"] = [o.strip() for o in raw.split(",") if o.strip()]
        return data

    @model_validator(mode="after")
    def _refuse_insecure(self) -> Settings:
        if self.public_url.startswith("https://") and self.secret_key == DEFAULT_SECRET:
            raise ValueError("CHATS_SECRET_KEY must be set when CHATS_PUBLIC_URL is https")
        if len(self.secret_key) < 16:
            raise ValueError("CHATS_SECRET_KEY must be at least 16 characters")
        return self

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
