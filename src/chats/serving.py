"""How uvicorn serves CHATS: the one socket configuration of `chats serve`, the demo and tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from collections.abc import Callable

# A little above the sockets' own limit (realtime/connection.py MAX_FRAME, 64 KiB), which they
# enforce with their own refusal; uvicorn drops anything larger still.
WS_MAX_SIZE = 64 * 1024 + 1024
WS_PING_INTERVAL = 25  # seconds between pings; a peer silent for WS_PING_TIMEOUT more is dropped
WS_PING_TIMEOUT = 20


def server_config(app: Callable[..., Any], *, host: str, port: int) -> uvicorn.Config:
    """The uvicorn configuration that serves `app` on host:port.

    Logging is configured by `chats.logs` (create_app), so uvicorn installs none. Uvicorn
    never takes the client's address from X-Forwarded-For (by default it trusts any local
    peer to say so): CHATS_TRUSTED_PROXIES decides, in services/limits.py.
    """
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        lifespan="on",
        ws_max_size=WS_MAX_SIZE,
        ws_per_message_deflate=False,
        ws_ping_interval=WS_PING_INTERVAL,
        ws_ping_timeout=WS_PING_TIMEOUT,
        proxy_headers=False,
    )
