"""Security headers (issue 12): `nosniff` and a referrer policy on every response, and the
Content-Security-Policy of each page CHATS serves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Our pages never need the Referer to tell another site where a person came from, and
# the guest panel's own address carries its store key.
EVERYWHERE: Final = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
_RAW_EVERYWHERE: Final = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                          for k, v in EVERYWHERE]
_RAW_NAMES: Final = frozenset(k for k, _v in _RAW_EVERYWHERE)


class SecurityHeaders:
    """Add `EVERYWHERE` to every HTTP response (plain ASGI: cheap on the `/visit` path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*(h for h in message.get("headers", ())
                                        if h[0] not in _RAW_NAMES), *_RAW_EVERYWHERE]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def page_policy(public_origin: str, frame_ancestors: str) -> str:
    """The Content-Security-Policy of a page of ours: nothing inline, nothing from elsewhere.

    `public_origin` is allowed beside 'self' because the widget's pictures are addressed
    by CHATS_PUBLIC_URL, which a server reached under another name still serves.
    Preact sets styles through the CSSOM, which `style-src 'self'` allows.
    """
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' {public_origin} data: blob:",
        "connect-src": f"'self' {public_origin} {_socket_origin(public_origin)}",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _socket_origin(origin: str) -> str:
    # 'self' covers ws: and wss: of our own host in CSP 3; the public origin needs both.
    return origin.replace("http", "ws", 1)


def ancestors(origins: Iterable[str]) -> str:
    """`frame-ancestors` for a store's list of sites: any site while the list is empty."""
    listed = " ".join(origins)
    return f"'self' {listed}" if listed else "*"
