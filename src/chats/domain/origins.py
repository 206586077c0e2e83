"""Web origins (`scheme://host[:port]`): the sites a store lets embed its widget."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

MAX_EMBED_ORIGINS: Final = 50
MAX_ORIGIN_CHARS: Final = 200
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# What a browser sends in Origin after IDNA: letters, digits, hyphens and dots, or an
# IPv6 literal in brackets. Nothing else may reach a Content-Security-Policy header.
_HOST: Final = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
                          r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\[[0-9a-f:.]+\]")


class OriginError(ValueError):
    """Text that is not a web origin (an http or https scheme, a host, maybe a port)."""


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise OriginError(host) from exc


def normalise_origin(raw: str) -> str:
    """`scheme://host[:port]` in the form browsers send, or OriginError.

    Lower case, IDNA host, no default port, no trailing slash; a path, query, fragment
    or user name is refused rather than dropped, so that nobody believes a path limits
    anything (browsers compare origins only).
    """
    text = raw.strip()
    if not text or len(text) > MAX_ORIGIN_CHARS or any(c.isspace() for c in text):
        raise OriginError(raw)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise OriginError(raw) from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or parts.username is not None or parts.password is not None:
        raise OriginError(raw)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in text or "#" in text:
        raise OriginError(raw)
    host = parts.hostname or ""
    # urlsplit drops the brackets of an IPv6 literal.
    host = f"[{host}]" if ":" in host else _ascii_host(host)
    if not _HOST.fullmatch(host):
        raise OriginError(raw)
    suffix = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{suffix}"


def normalise_origins(raws: list[str]) -> list[str]:
    """Each origin normalised, duplicates dropped, in the given order; OriginError names the
    first bad one."""
    seen: dict[str, None] = {}
    for raw in raws:
        if raw.strip():
            seen.setdefault(normalise_origin(raw))
    return list(seen)


def request_origin(header: str | None) -> str | None:
    """A request's Origin header in normal form; None when absent, `null` or malformed."""
    if not header or header == "null":
        return None
    try:
        return normalise_origin(header)
    except OriginError:
        return None
