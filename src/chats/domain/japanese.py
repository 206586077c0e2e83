"""Japanese form values (issue 16): furigana, phone numbers and postal codes as people type them.

Width is folded with NFKC (the Unicode standard's compatibility mapping: full-width
digits and Latin letters, half-width katakana with their voicing marks); hiragana
becomes katakana with `jaconv` (docs/decisions/0008-japanese-text-libraries.md).
Each function returns the stored form or raises `JapaneseInputError`, whose
`reason` names the catalogue message (`error.input_<reason>`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import jaconv

from chats.domain.text import normalise_digits


class JapaneseInputError(ValueError):
    """A value that cannot be read as its field type; `reason` names the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Katakana proper, the middle dot ・ and the long vowel mark ー (U+30A1..U+30FF),
# and the space between family and given names.
_FURIGANA: Final = re.compile(r"[\u30a1-\u30ff]+(?: [\u30a1-\u30ff]+)*")
_SPACES: Final = re.compile(r"\s+")
# Kanji (the unified ideographs and their extension A, the iteration mark 々).
_KANJI: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
FURIGANA_SEPARATOR: Final = "\u3000"  # the ideographic space, as on Japanese paper forms


def furigana(text: str) -> str:
    """A reading in full-width katakana from hiragana, katakana or half-width katakana."""
    folded = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    kana = jaconv.hira2kata(folded)
    if not _FURIGANA.fullmatch(kana):
        raise JapaneseInputError("kana_kanji" if _KANJI.search(kana) else "kana")
    return kana.replace(" ", FURIGANA_SEPARATOR)


_PHONE: Final = re.compile(r"\+?\(?[0-9][0-9\- ()]{1,28}[0-9]")
_PHONE_DIGITS: Final = re.compile(r"[0-9]")


def phone_number(text: str) -> str:
    """A phone number with ASCII digits; the hyphens and brackets stay as typed, for reading."""
    value = _SPACES.sub(" ", normalise_digits(unicodedata.normalize("NFKC", text))).strip()
    if not _PHONE.fullmatch(value) or len(_PHONE_DIGITS.findall(value)) < 3:
        raise JapaneseInputError("phone")
    return value


_POSTAL_NOISE: Final = re.compile(r"[〒\s-]")
POSTAL_DIGITS: Final = 7


def postal_code(text: str) -> str:
    """The 7 digits of a Japanese postal code typed in any width, with or without 〒 and hyphen."""
    digits = _POSTAL_NOISE.sub("", normalise_digits(unicodedata.normalize("NFKC", text)))
    if not digits.isascii() or not digits.isdigit():
        raise JapaneseInputError("postal")
    if len(digits) != POSTAL_DIGITS:
        raise JapaneseInputError("postal_length")
    return digits


def postal_code_display(digits: str) -> str:
    """`1234567` as people write it: `123-4567`."""
    return f"{digits[:3]}-{digits[3:]}"
