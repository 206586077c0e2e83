"""Which pages may open a guest socket for a store: its own sites, or CHATS itself.

A browser sets `Origin` on every socket it opens and no script can change it, so this
keeps other sites' pages from talking to a store's chat through a visitor's browser.
A client that is not a browser sends whatever it likes (or nothing): this is no
authentication. See docs/security.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chats.domain.origins import request_origin

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from chats.config import Settings


def guest_origin_allowed(ws: WebSocket, settings: Settings, embed_origins: list[str]) -> bool:
    """True when the store lists no sites, the socket has no Origin (not a browser), or its
    Origin is CHATS's own (the guest panel) or one of the store's sites."""
    header = ws.headers.get("origin")
    if header is None or not embed_origins:
        return True
    origin = request_origin(header)
    return origin is not None and (origin in embed_origins or origin in own_origins(ws, settings))


def own_origins(ws: WebSocket, settings: Settings) -> set[str | None]:
    """CHATS's origins: the public URL's, the request's own host, CHATS_ALLOWED_ORIGINS."""
    own = {settings.public_origin(), *settings.allowed_origins}
    host = ws.headers.get("host")
    if host:
        own.add(f"{'https' if ws.url.scheme == 'wss' else 'http'}://{host}")
    return {request_origin(o) for o in own}
