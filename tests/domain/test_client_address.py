"""The client address behind trusted proxies, and which page URLs may be kept."""

from __future__ import annotations

import pytest

from chats.domain.client_address import budget_key, client_address, parse_networks
from chats.domain.text import web_url

PROXIES = parse_networks(["10.0.0.0/8", "127.0.0.1", "::1"])


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    # Nobody trusted: the header is whoever's claim and is never read.
    ("203.0.113.9", ["198.51.100.1"], (), "203.0.113.9"),
    ("127.0.0.1", ["198.51.100.1"], (), "127.0.0.1"),
    # A peer that is not a trusted proxy cannot speak for anyone else.
    ("203.0.113.9", ["198.51.100.1"], PROXIES, "203.0.113.9"),
    # One trusted proxy: the address it appended.
    ("127.0.0.1", ["198.51.100.1"], PROXIES, "198.51.100.1"),
    # Read from the right; whatever the client wrote on the left is ignored.
    ("127.0.0.1", ["6.6.6.6, 198.51.100.1"], PROXIES, "198.51.100.1"),
    ("127.0.0.1", ["6.6.6.6", "198.51.100.1, 10.1.2.3"], PROXIES, "198.51.100.1"),
    # Only trusted hops in the header: the leftmost of them.
    ("127.0.0.1", ["10.0.0.7, 10.1.2.3"], PROXIES, "10.0.0.7"),
    # A trusted peer with no header: the peer.
    ("127.0.0.1", [], PROXIES, "127.0.0.1"),
    # A malformed hop stops the walk at the last trusted one.
    ("127.0.0.1", ["198.51.100.1, not-an-ip"], PROXIES, "127.0.0.1"),
    # Ports and brackets, IPv6, an IPv4 peer seen through an IPv6 socket.
    ("::1", ["[2001:db8::5]:4711"], PROXIES, "2001:db8::5"),
    ("127.0.0.1", ["198.51.100.1:5555"], PROXIES, "198.51.100.1"),
    ("::ffff:127.0.0.1", ["198.51.100.1"], PROXIES, "198.51.100.1"),
    (None, ["198.51.100.1"], PROXIES, "unknown"),
])
def test_client_address(peer: str | None, forwarded: list[str], trusted: tuple[object, ...],
                        expected: str) -> None:
    assert client_address(peer, forwarded, trusted) == expected  # type: ignore[arg-type]


def test_a_bad_proxy_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        parse_networks(["nonsense"])


@pytest.mark.parametrize("url", [
    "https://shop.example/item?id=1#top", "http://shop.example/", "HTTPS://SHOP.EXAMPLE/",
])
def test_web_urls_are_kept(url: str) -> None:
    assert web_url(url) == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)",
    " javascript:alert(1)", "\x01https://shop.example/", "data:text/html,<b>x</b>",
    "vbscript:x", "https:evil", "//shop.example/", "/relative", "ftp://shop.example/",
    "", None, "https://shop.example/\n",
])
def test_other_urls_are_dropped(url: str | None) -> None:
    assert web_url(url) is None


def test_an_ipv6_client_is_budgeted_by_its_slash_64() -> None:
    assert budget_key("2001:db8:1:2::5") == budget_key("2001:db8:1:2:ffff::1") \
        == "2001:db8:1:2::/64"
    assert budget_key("2001:db8:1:3::5") != budget_key("2001:db8:1:2::5")
    assert budget_key("198.51.100.7") == "198.51.100.7"
    assert budget_key("unknown") == "unknown"
