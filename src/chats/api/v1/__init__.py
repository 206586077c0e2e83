"""The REST API for integrators (issue 17 item 2): /api/v1, called with an API token.

Every route takes `Authorization: Bearer <token>` (api/bearer.py) and answers only about
the token's own store; another store's id answers 404 like a missing one. Times are ISO
8601 UTC, errors `{"error": {"code", "message"}}` like every other call (docs/api.md).
"""

from __future__ import annotations

from fastapi import APIRouter

from chats.api.v1 import conversations, guests

PREFIX = "/api/v1"


def router() -> APIRouter:
    """The v1 routes under one prefix."""
    combined = APIRouter(prefix=PREFIX)
    combined.include_router(conversations.router)
    combined.include_router(guests.router)
    return combined
