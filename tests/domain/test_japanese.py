"""Furigana, phone numbers and postal codes as people type them (issue 16 item 2)."""

from __future__ import annotations

import unicodedata

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.japanese import (
    JapaneseInputError,
    furigana,
    phone_number,
    postal_code,
    postal_code_display,
)
from chats.domain.text import PHONE_SEPARATORS, phone_digits, search_key

HIRAGANA = st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x3096), min_size=1,
                   max_size=20)


@pytest.mark.parametrize(("typed", "stored"), [
    ("やまだ たろう", "ヤマダ\u3000タロウ"),
    ("ヤマダ　タロウ", "ヤマダ\u3000タロウ"),
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u3000タロウ"),
    ("  さとう   はなこ ", "サトウ\u3000ハナコ"),
    ("ゔぃーなす・じょーんず", "ヴィーナス・ジョーンズ"),
    ("ｷｬｯﾌﾟ", "キャップ"),
])
def test_furigana_is_stored_in_full_width_katakana(typed: str, stored: str) -> None:
    assert furigana(typed) == stored


@pytest.mark.parametrize(("typed", "reason"), [
    ("山田たろう", "kana_kanji"), ("佐々木", "kana_kanji"), ("yamada", "kana"),
    ("やまだ1", "kana"), ("@", "kana"), ("やまだ々", "kana_kanji"),
])
def test_furigana_refuses_what_is_not_kana(typed: str, reason: str) -> None:
    with pytest.raises(JapaneseInputError) as caught:
        furigana(typed)
    assert caught.value.reason == reason


@given(HIRAGANA)
def test_any_hiragana_reads_as_the_katakana_it_folds_like(text: str) -> None:
    kana = furigana(text)
    assert all(0x30A1 <= ord(c) <= 0x30FF for c in kana)
    assert search_key(kana) == search_key(text)
    assert furigana(kana) == kana  # stored values read back unchanged


@given(HIRAGANA)
def test_half_width_katakana_reads_as_its_full_width_form(text: str) -> None:
    full = furigana(text)
    # jaconv's z2h gives the half-width form older systems send.
    half = jaconv.z2h(full, kana=True, ascii=False, digit=False)
    assert furigana(half) == unicodedata.normalize("NFKC", full)


@pytest.mark.parametrize(("typed", "stored"), [
    ("０３ー１２３４ー５６７８", "03-1234-5678"),
    ("03－1234－5678", "03-1234-5678"),
    ("０３（１２３４）５６７８", "03(1234)5678"),
    ("＋８１ ３ １２３４ ５６７８", "+81 3 1234 5678"),
    ("09012345678", "09012345678"),
    ("(03) 1234-5678", "(03) 1234-5678"),
])
def test_phone_digits_are_ascii_and_hyphens_stay(typed: str, stored: str) -> None:
    assert phone_number(typed) == stored


@pytest.mark.parametrize("typed", ["call me", "03-1234-5678 内線2", "12", "--", "0" * 40])
def test_phone_refuses_what_is_not_a_number(typed: str) -> None:
    with pytest.raises(JapaneseInputError):
        phone_number(typed)


@given(st.integers(0, 9_999_999), st.sampled_from(["", "〒", "〒 "]),
       st.sampled_from(["", "-", "－", "ー", "‐"]), st.booleans())
def test_postal_code_in_any_width(number: int, mark: str, hyphen: str, wide: bool) -> None:
    digits = f"{number:07d}"
    typed = f"{mark}{digits[:3]}{hyphen}{digits[3:]}"
    if wide:
        typed = typed.translate({ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"})
    assert postal_code(typed) == digits
    assert postal_code_display(digits) == f"{digits[:3]}-{digits[3:]}"


@pytest.mark.parametrize(("typed", "reason"), [
    ("100-001", "postal_length"), ("１２３４５６", "postal_length"), ("12345678", "postal_length"),
    ("abc-defg", "postal"), ("〒百", "postal"), ("123-45６7x", "postal"),
])
def test_postal_code_refusals_say_why(typed: str, reason: str) -> None:
    with pytest.raises(JapaneseInputError) as caught:
        postal_code(typed)
    assert caught.value.reason == reason


SEPARATORS = st.sampled_from(["", "-", "－", "ー", " ", "　", "‐", "−"])


@given(st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=2, max_size=4),
       SEPARATORS, st.booleans())
def test_a_phone_query_reads_the_same_with_or_without_separators(
        groups: list[str], separator: str, wide: bool) -> None:
    """Issue 16 item 3: 090-1234-5678, ０９０ー１２３４ー５６７８ and 09012345678 match."""
    digits = "".join(groups)
    typed = separator.join(groups)
    if wide:
        typed = typed.translate({ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"})
    expected = digits if len(digits) >= 3 else None
    assert phone_digits(typed) == expected
    # The stored side: the folded search text without the separators holds the same digits.
    stored = search_key(phone_number(typed)) if len(digits) >= 3 else ""
    for sep in PHONE_SEPARATORS:
        stored = stored.replace(sep, "")
    assert stored == (expected or "")


@given(HIRAGANA)
def test_search_folds_hiragana_katakana_and_half_width_alike(text: str) -> None:
    katakana = furigana(text)
    half = jaconv.z2h(katakana, kana=True, ascii=False, digit=False)
    assert search_key(text) == search_key(katakana) == search_key(half)
