"""Message text rules and Japanese folding."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chats.domain.text import (
    MAX_TEXT_CHARS,
    TextEmpty,
    TextError,
    TextTooLong,
    holds_nul,
    normalise_digits,
    normalise_message_text,
    normalise_postal_code,
    search_key,
    with_honorific,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hello", "hello"),
        ("  hello \n", "hello"),
        ("\u3000こんにちは\u3000", "こんにちは"),  # ideographic space
        ("\t a  b \r\n", "a  b"),  # inner whitespace kept as given
        ("\u00a0x\u2003", "x"),  # no-break space, em space
    ],
)
def test_trims_unicode_whitespace(raw: str, expected: str) -> None:
    assert normalise_message_text(raw) == expected


@pytest.mark.parametrize("raw", ["", " ", "\n\t", "\u3000\u3000", "\u2028"])
def test_empty_after_trimming_refused(raw: str) -> None:
    with pytest.raises(TextEmpty):
        normalise_message_text(raw)


def test_length_counts_code_points_after_trimming() -> None:
    assert MAX_TEXT_CHARS == 4000
    assert normalise_message_text("あ" * 4000) == "あ" * 4000
    assert normalise_message_text("  " + "😀" * 4000 + "  ") == "😀" * 4000
    with pytest.raises(TextTooLong) as caught:
        normalise_message_text("x" * 4001)
    assert caught.value.length == 4001
    assert isinstance(caught.value, TextError)
    assert isinstance(caught.value, ValueError)


@given(st.text(max_size=50))
def test_normalise_is_idempotent(raw: str) -> None:
    try:
        once = normalise_message_text(raw)
    except TextEmpty:
        assert raw.strip() == ""
        return
    assert normalise_message_text(once) == once
    assert once == once.strip() != ""
    assert once in raw


@given(st.text(min_size=1, max_size=20).filter(lambda s: s.strip() == s), st.integers(0, 5))
def test_only_surrounding_whitespace_is_removed(core: str, pad: int) -> None:
    assert normalise_message_text(" " * pad + core + "\u3000" * pad) == core


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("０３－１２３４－５６７８", "03-1234-5678"),
        ("090ー1234ｰ5678", "090-1234-5678"),
        ("1‐2‑3–4—5―6−7", "1-2-3-4-5-6-7"),
        ("０１２３４５６７８９", "0123456789"),
        ("abc 123-4", "abc 123-4"),
    ],
)
def test_normalise_digits(raw: str, expected: str) -> None:
    assert normalise_digits(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１２３－４５６７", "123-4567"),
        ("1234567", "123-4567"),
        ("123-4567", "123-4567"),
        ("〒100ー0001", "100-0001"),
        ("〒 100-0001 ", "100-0001"),
        ("123-456", None),
        ("12345678", None),
        ("12-34567", None),
        ("abc-defg", None),
        ("١٢٣-٤٥٦٧", None),  # Arabic-Indic digits are not a Japanese postal code
        ("", None),
    ],
)
def test_normalise_postal_code(raw: str, expected: str | None) -> None:
    assert normalise_postal_code(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("やまだ", "ヤマダ"),
        ("やまだ", "ﾔﾏﾀﾞ"),
        ("ガッコウ", "ｶﾞｯｺｳ"),
        ("Ｙａｍａｄａ", "yamada"),
        ("０９０", "090"),
        ("ヴァイオリン", "ゔぁいおりん"),
        ("スーパー", "すーぱー"),
    ],
)
def test_search_key_folds_alike(a: str, b: str) -> None:
    assert search_key(a) == search_key(b)


@pytest.mark.parametrize(("a", "b"), [("やまだ", "やまた"), ("山田", "やまだ"), ("abc", "abd")])
def test_search_key_keeps_different_words_apart(a: str, b: str) -> None:
    assert search_key(a) != search_key(b)


hiragana = st.text(
    alphabet=st.characters(min_codepoint=ord("ぁ"), max_codepoint=ord("ゖ")), max_size=12
)


def to_katakana(s: str) -> str:
    return "".join(chr(ord(c) + 0x60) for c in s)


@given(hiragana)
def test_search_key_hiragana_equals_katakana(s: str) -> None:
    assert search_key(s) == search_key(to_katakana(s)) == unicodedata.normalize("NFC", s)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12))
def test_search_key_full_width_ascii_equals_ascii(s: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in s)
    assert search_key(full_width) == search_key(s) == s.casefold()


@given(st.text(alphabet=st.characters(min_codepoint=0xFF66, max_codepoint=0xFF9F), max_size=12))
def test_search_key_half_width_katakana_equals_full_width(s: str) -> None:
    full_width = unicodedata.normalize("NFKC", s)
    assert search_key(s) == search_key(full_width)
    assert not any("ァ" <= c <= "ヶ" for c in search_key(s))


@given(st.text(max_size=30))
@example("ǰ")  # casefolds to j + combining caron, which NFKC composes again
@example("ｶﾞＡ")
def test_search_key_is_idempotent_and_normalised(s: str) -> None:
    key = search_key(s)
    assert search_key(key) == key
    assert unicodedata.is_normalized("NFKC", key)


@given(st.text(max_size=30))
def test_normalise_digits_leaves_no_full_width_digit_or_dash(s: str) -> None:
    out = normalise_digits(s)
    assert len(out) == len(s)
    assert not any(c in "０１２３４５６７８９－ー‐‑–—―−ｰ" for c in out)


@pytest.mark.parametrize(("name", "shown"), [
    ("山田", "山田 さん"), ("客3号 さん", "客3号 さん"), ("田中様", "田中様"),
    ("  すずき ", "すずき さん"), ("", ""),
])
def test_one_honorific(name: str, shown: str) -> None:
    assert with_honorific(name) == shown


def test_honorific_of_choice() -> None:
    assert with_honorific("佐藤", "様") == "佐藤 様"
    assert with_honorific("佐藤さん", "様") == "佐藤さん"


def test_holds_nul_looks_into_keys_lists_and_nested_objects() -> None:
    assert not holds_nul({"a": ["b", {"c": 1}], "d": None, "e": 2.5})
    assert holds_nul("\x00")
    assert holds_nul({"a": ["b", {"c": "x\x00"}]})
    assert holds_nul({"k\x00": "v"})
    assert holds_nul(["a", ("b", "\x00")])
    assert not holds_nul("\\u0000")  # the six characters, as typed
