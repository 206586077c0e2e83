"""Each HTTP request: a request id, an access-log line with fields, and its metrics.

The request id (the client's `X-Request-ID` when it is a short plain token, else a new
one) is held in a context variable for the request's task, so every log line written
while the request runs carries it (`stamp_request_ids`), and it comes back in the
response's `X-Request-ID` header. Metrics and the access log name the route template
(`/api/conversations/{conversation_id}/messages`), never the raw path, and never the
query string: it may hold a guest's token.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from starlette.routing import Mount

if TYPE_CHECKING:
    from collections.abc import Sequence

    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from chats.metrics import Metrics

log = logging.getLogger("chats.access")
REQUEST_ID: ContextVar[str | None] = ContextVar("chats_request_id", default=None)
HEADER = "x-request-id"
UNMATCHED = "(unmatched)"
PREFLIGHT = "(preflight)"
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


_installed: list[bool] = []


def stamp_request_ids() -> None:
    """Give every log record made while a request runs its `request_id` (once per process).

    A record factory rather than a handler's filter, so that every handler — and
    pytest's — sees the id.
    """
    if _installed:
        return
    _installed.append(True)
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        request_id = REQUEST_ID.get()
        if request_id is not None:
            record.request_id = request_id
        return record

    logging.setLogRecordFactory(factory)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            given = bytes(value).decode("latin-1")
            if _CLIENT_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


def route_template(scope: Scope, routes: Sequence[BaseRoute] = ()) -> str:
    """The path template of the route that answered, a mount's path, or a fixed label."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str) and path:
        return path
    for route in routes:  # a mount (/static) does not leave its route in our scope
        if isinstance(route, Mount) and scope["path"].startswith(route.path + "/"):
            return route.path
    # A CORS preflight is answered by WidgetCors before any route.
    return PREFLIGHT if scope["method"] == "OPTIONS" else UNMATCHED


class AccessLog:
    """ASGI middleware: request id, access log line, request counter and latency."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes  # the app's own list: mounts added later are seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = scope["method"], route_template(scope, self.routes)
        labels = {"method": method, "route": route, "status": str(status)}
        self.metrics.http_requests.labels(**labels).inc()
        self.metrics.http_latency.labels(**labels).observe(seconds)
        log.info("%s %s %d", method, route, status, extra={
            # No raw path: a file's download path is its own capability token.
            "method": method, "route": route, "status": status,
            "duration_ms": round(seconds * 1000, 2)})
