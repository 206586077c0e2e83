"""Budgets per client address for everything an anonymous client can make the server do.

Per-socket buckets (`domain/ratelimit.py`) stop one fast socket; these stop a client
that opens a fresh socket, or sends its page views without a token, to start over.
They are generous enough for an office of people behind one NAT address, and each
is a setting. The address is the socket's peer unless the operator named trusted
reverse proxies (`CHATS_TRUSTED_PROXIES`): then, and only then, `X-Forwarded-For`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chats.domain.client_address import budget_key, client_address, parse_networks
from chats.domain.ratelimit import Rule
from chats.errors import ChatsError

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from chats.broker.limiter import Limiter
    from chats.config import Settings

MINUTE = 60.0
HOUR = 3600.0


def _rule(name: str, per_window: int, window: float) -> Rule:
    return Rule(name, float(per_window), per_window / window)


class AddressLimits:
    """The per-address rules of one app and the limiter (memory or Redis) that keeps them."""

    def __init__(self, settings: Settings, limiter: Limiter) -> None:
        self.limiter = limiter
        self.trusted = parse_networks(settings.trusted_proxies)
        self.visit = _rule("visit", settings.limit_visits_per_minute, MINUTE)
        self.new_guest = _rule("new_guest", settings.limit_new_guests_per_hour, HOUR)
        self.hello = _rule("hello", settings.limit_hellos_per_minute, MINUTE)
        self.start = _rule("start", settings.limit_starts_per_minute, MINUTE)
        self.send = _rule("send", settings.limit_sends_per_minute, MINUTE)
        self.typing = _rule("typing", settings.limit_typing_per_minute, MINUTE)
        self.postal = _rule("postal", settings.limit_postal_lookups_per_minute, MINUTE)
        self.api = _rule("api", settings.limit_api_requests_per_minute, MINUTE)

    def address(self, conn: HTTPConnection) -> str:
        """The client address of an HTTP request or a WebSocket (see the module doc)."""
        peer = conn.client.host if conn.client else None
        return client_address(peer, conn.headers.getlist("x-forwarded-for"), self.trusted)

    async def check_token(self, token_id: str) -> None:
        """Spend one REST API call of the token's budget, or raise `rate_limited`."""
        await self._spend(self.api, f"token|{token_id}")

    async def check(self, rule: Rule, address: str, store_id: str = "") -> None:
        """Spend one unit of `rule` for `address` (and store), or raise `rate_limited`."""
        key = budget_key(address)
        await self._spend(rule, f"{key}|{store_id}" if store_id else key)

    async def _spend(self, rule: Rule, key: str) -> None:
        wait = await self.limiter.take(rule, key)
        if wait > 0:
            raise ChatsError("rate_limited", retry_after=wait)
