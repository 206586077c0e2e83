"""Which address a request comes from, given the reverse proxies the operator trusts.

`X-Forwarded-For` is written by whoever sent the request, so it is read only when
the socket's peer is a trusted proxy, and then from the right: each trusted hop
appended the address it received from, so the first address from the right that
is not a trusted proxy is the client. Anything left of it may be forged.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """IP addresses or CIDR networks as networks (a single address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the same client.
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             trusted: Sequence[Network]) -> bool:
    return any(address.version == n.version and address in n for n in trusted)


def client_address(peer: str | None, forwarded_for: Sequence[str],
                   trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or what trusted proxies say it forwarded.

    `forwarded_for` holds the values of every `X-Forwarded-For` header in order.
    A malformed entry stops the walk: what lies left of it cannot be trusted, so
    the last trusted hop that handed it over stands for the client.
    """
    current = _address(peer) if peer else None
    if current is None:
        return peer or UNKNOWN
    if not trusted or not _trusted(current, trusted):
        return str(current)
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not _trusted(current, trusted):
            break
    return str(current)


def budget_key(address: str) -> str:
    """The key a client's budgets are kept under: its IPv4 address, or its IPv6 /64.

    One IPv6 subscriber usually holds a whole /64 and can use any address in it, so
    budgets per IPv6 address would be budgets per request.
    """
    try:
        found = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(found, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{found}/64", strict=False))
    return str(found)
