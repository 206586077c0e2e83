"""Search words of Google and Yahoo! JAPAN referrers (issue 16 item 6)."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.referrer import MAX_WORDS_CHARS, search_words


@pytest.mark.parametrize(("referrer", "words"), [
    ("https://www.google.co.jp/search?q=%E6%8A%B9%E8%8C%B6+%E3%82%AE%E3%83%95%E3%83%88&hl=ja",
     "抹茶 ギフト"),
    ("https://www.google.com/search?client=safari&q=matcha%E3%80%80gift", "matcha gift"),
    ("https://www.google.co.jp/url?sa=t&q=%E6%8A%B9%E8%8C%B6&url=https%3A%2F%2Fshop.example%2F",
     "抹茶"),
    ("https://search.yahoo.co.jp/search?p=%E6%8A%B9%E8%8C%B6&fr=top_ga1_sa", "抹茶"),
    ("https://search.yahoo.co.jp/search?p=%CB%F5%C3%E3&ei=EUC-JP", "抹茶"),
    ("https://search.yahoo.co.jp/search?p=%96%95%92%83&ei=Shift_JIS", "抹茶"),
    ("https://www.google.co.jp/search?ie=Shift_JIS&q=%96%95%92%83", "抹茶"),
    ("https://m.search.yahoo.co.jp/search?p=%E6%8A%B9%E8%8C%B6", "抹茶"),
])
def test_search_words_are_decoded(referrer: str, words: str) -> None:
    assert search_words(referrer) == words


@pytest.mark.parametrize("referrer", [
    None, "", "https://www.google.co.jp/", "https://www.google.com/search?hl=ja",
    "https://www.google.co.jp/search?q=", "https://shop.example/?q=%E6%8A%B9%E8%8C%B6",
    "https://google.evil.example/search?q=x", "https://notgoogle.com/search?q=x",
    "https://www.google.co.jp/url?q=https://shop.example/", "http://[::1/search?q=x",
    "javascript:alert(1)",
])
def test_no_words_when_there_are_none(referrer: str | None) -> None:
    assert search_words(referrer) is None


@given(st.text(min_size=1, max_size=300))
def test_any_words_come_back_as_typed_without_control_characters(typed: str) -> None:
    words = search_words(f"https://www.google.co.jp/search?q={quote_plus(typed)}")
    expected = " ".join("".join(" " if ord(c) < 0x20 or c == "\x7f" else c
                                for c in typed).split())[:MAX_WORDS_CHARS]
    if not expected or expected.startswith(("http://", "https://")):
        assert words is None
    else:
        assert words == expected
