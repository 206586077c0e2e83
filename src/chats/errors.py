"""Refusals with a protocol error code (protocol §6), localised when they reach a person."""

from __future__ import annotations

from chats.i18n import translate

HTTP_STATUS = {
    "bad_frame": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "unavailable": 409,
    "blacklisted": 403,
    "already_taken": 409,
    "capacity_full": 409,
    "too_large": 413,
    "rate_limited": 429,
    "conflict": 409,
}


class ChatsError(Exception):
    """A refusal: `code` is the wire error code, `key` the catalogue message."""

    def __init__(
        self, code: str, key: str | None = None, *, status: int | None = None,
        retry_after: float | None = None, headers: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.key = key or f"error.{code}"
        self.status = status or HTTP_STATUS.get(code, 400)
        self.retry_after = retry_after
        """Seconds before trying again makes sense (HTTP `Retry-After`), when known."""
        self.params = params
        self.headers = headers or {}

    def message(self, locale: str | None) -> str:
        """The human-readable, localised message."""
        return translate(self.key, locale, **self.params)
