"""Web origins of the sites that may embed a store's widget (issue 12)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.origins import OriginError, normalise_origin, normalise_origins, request_origin

SAFE = re.compile(r"https?://[a-z0-9.\-\[\]:]+")


@pytest.mark.parametrize(("raw", "origin"), [
    ("https://Shop.Example.JP/", "https://shop.example.jp"),
    ("https://shop.example.jp:443", "https://shop.example.jp"),
    ("http://shop.example.jp:80", "http://shop.example.jp"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("https://お茶.jp", "https://xn--t8jy01w.jp"),  # as a browser's URL parser has it
    ("  https://shop.example.jp  ", "https://shop.example.jp"),
])
def test_origins_take_the_form_browsers_send(raw: str, origin: str) -> None:
    assert normalise_origin(raw) == origin


@pytest.mark.parametrize("raw", [
    "", "shop.example.jp", "//shop.example.jp", "ftp://shop.example.jp", "data:text/html,x",
    "https://shop.example.jp/path", "https://shop.example.jp/?q", "https://shop.example.jp#x",
    "https://u:p@shop.example.jp", "https://shop example.jp", "https://shop.example.jp;x",
    "https://*.example.jp", "https://shop..jp", "https://-shop.jp", "https://shop.jp:0x1",
    "https://", "https://" + "a" * 250,
])
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises(OriginError):
        normalise_origin(raw)


def test_a_list_drops_blanks_and_repeats_and_keeps_its_order() -> None:
    assert normalise_origins(["https://b.jp", "", "https://A.jp", "https://b.jp:443/"]) == [
        "https://b.jp", "https://a.jp"]


def test_request_origin_is_none_for_null_or_nonsense() -> None:
    assert request_origin(None) is None
    assert request_origin("null") is None
    assert request_origin("https://x.jp/a") is None
    assert request_origin("https://X.jp") == "https://x.jp"


@given(st.text(max_size=80))
def test_what_is_accepted_is_stable_and_safe_in_a_header(raw: str) -> None:
    try:
        origin = normalise_origin(raw)
    except OriginError:
        return
    assert SAFE.fullmatch(origin)  # nothing that could end or extend a CSP directive
    assert normalise_origin(origin) == origin


@given(st.from_regex(r"https?://[a-z][a-z0-9]{0,10}(\.[a-z]{2,5}){1,2}(:[1-9][0-9]{0,3})?/?",
                     fullmatch=True))
def test_plain_site_addresses_are_accepted(raw: str) -> None:
    assert normalise_origin(raw).startswith(raw.split("://")[0])
