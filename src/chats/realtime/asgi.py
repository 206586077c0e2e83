"""The way in for sockets: straight to their handler, past the rest of the HTTP stack.

Every ASGI layer a request passes through stays suspended on its stack until the request
ends, which for a socket is when it closes. The inner layers — CORS, the exception
handlers, FastAPI's dependency exit stack, the router and the route's own wrappers — do
nothing for a socket and held about 5 KiB of coroutine frames, closures and an exit stack
per open socket, a sixth of an idle guest socket's memory.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp, Receive, Scope, Send


class DirectSockets:
    """ASGI middleware: a socket on a plain `WebSocketRoute` goes directly to its function.

    Plain means a fixed path and a function endpoint. Any other socket, and every HTTP
    request, goes on to the wrapped app. Added last, so that it is the outermost of the
    app's own middleware.
    """

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.sockets: dict[str, Callable[[WebSocket], Awaitable[None]]] = {
            route.path: route.endpoint for route in routes
            if isinstance(route, WebSocketRoute) and not route.param_convertors
            and inspect.isfunction(route.endpoint)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a plain socket route directly; pass everything else on."""
        if scope["type"] == "websocket":
            handler = self.sockets.get(scope["path"])
            if handler is not None:
                await handler(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)
