"""Text rules: message length (protocol §3) and Japanese input folding (S3.1)."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_TEXT_CHARS: Final = 4000  # Unicode code points, counted after trimming

# Characters Japanese IMEs and copy-paste put in phone and postal fields where
# an ASCII hyphen is meant: full-width hyphen-minus, long vowel marks (full and
# half width), and the Unicode hyphens, dashes and minus signs.
_HYPHEN_LIKE: Final = "－ー‐‑‒–—―−ｰ﹣"
_DIGITS_TABLE: Final = str.maketrans(
    {
        **{chr(ord("０") + i): str(i) for i in range(10)},
        **dict.fromkeys(_HYPHEN_LIKE, "-"),
    }
)

# 〒 is the postal mark people often type in front of the code.
_POSTAL_RE: Final = re.compile(r"〒?\s*([0-9]{3})-?([0-9]{4})")

# Katakana ァ..ヶ and the iteration marks ヽヾ sit exactly 0x60 above their
# hiragana twins; ヷ..ヺ have no hiragana form and are left as they are.
_KATAKANA_OFFSET: Final = 0x60
KATA_TO_HIRA: Final = str.maketrans(
    {
        **{cp: cp - _KATAKANA_OFFSET for cp in range(ord("ァ"), ord("ヶ") + 1)},
        ord("ヽ"): ord("ゝ"),
        ord("ヾ"): ord("ゞ"),
    }
)


# Honorifics a Japanese name may already end with: adding さん after one doubles it.
_HONORIFICS: Final = ("さん", "サン", "様", "さま", "サマ", "殿", "どの", "氏",
                      "くん", "君", "ちゃん")


def with_honorific(name: str, honorific: str = "さん") -> str:
    """`name` followed by a Japanese honorific, unless it already ends with one."""
    trimmed = name.strip()
    if not trimmed or trimmed.endswith(_HONORIFICS):
        return trimmed
    return f"{trimmed} {honorific}"


class TextError(ValueError):
    """Message text that breaks the protocol's rules."""


class TextEmpty(TextError):
    """Nothing is left after trimming."""

    def __init__(self) -> None:
        super().__init__("message text is empty")


class TextTooLong(TextError):
    """More than MAX_TEXT_CHARS code points after trimming."""

    def __init__(self, length: int) -> None:
        super().__init__(f"message text has {length} characters, limit {MAX_TEXT_CHARS}")
        self.length = length


def holds_nul(value: object) -> bool:
    """True when a string anywhere in the value (keys included) holds U+0000.

    No text a person types has it, and PostgreSQL cannot store it in a text column: input
    that carries one is refused whole, on both backends alike.
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    return False


def normalise_message_text(text: str) -> str:
    """Trim surrounding whitespace and check the length rules of protocol §3."""
    # str.strip() knows Unicode whitespace, e.g. the ideographic space U+3000.
    trimmed = text.strip()
    if not trimmed:
        raise TextEmpty
    if len(trimmed) > MAX_TEXT_CHARS:
        raise TextTooLong(len(trimmed))
    return trimmed


def normalise_digits(s: str) -> str:
    """Turn full-width digits and hyphen-like characters into ASCII `0-9` and `-`."""
    return s.translate(_DIGITS_TABLE)


def normalise_postal_code(s: str) -> str | None:
    """A Japanese postal code as `123-4567`, or None if `s` is not 7 digits."""
    match = _POSTAL_RE.fullmatch(normalise_digits(s).strip())
    if match is None:
        return None
    return f"{match[1]}-{match[2]}"


def search_key(s: str) -> str:
    """Fold `s` so that hiragana/katakana and half/full-width forms compare equal."""
    # NFKC merges widths (ｶﾞ→ガ, Ａ→A); the second NFKC keeps the result stable,
    # since case folding can produce text that NFKC would change again.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    return folded.translate(KATA_TO_HIRA)


# What people put between the digits of a phone number. A search text is already
# NFKC-folded, so full-width hyphens and spaces have become these ASCII ones; the
# Japanese long vowel mark and the Unicode hyphens survive NFKC and are listed too.
# The guest search drops the same characters from the stored text, in SQL.
PHONE_SEPARATORS: Final = ("-", " ", "(", ")", "ー", "‐", "‑", "‒", "–", "—", "―", "−", "ｰ")
_PHONE_QUERY: Final = re.compile(r"\+?[0-9]{3,}")


def phone_digits(q: str) -> str | None:
    """The digits of a query that looks like (part of) a phone number, else None."""
    folded = normalise_digits(search_key(q.strip()))
    for sep in PHONE_SEPARATORS:
        folded = folded.replace(sep, "")
    return folded if _PHONE_QUERY.fullmatch(folded) else None


WEB_SCHEMES: Final = ("http", "https")


def web_url(text: str | None) -> str | None:
    """`text` when it is an absolute http(s) URL, else None.

    Page URLs and referrers come from the guest's browser, or from anyone calling
    `/visit`; staff see them as links, so a `javascript:` or `data:` one must never
    be stored. Browsers ignore tabs and newlines inside a scheme and leading
    control characters and spaces, so those are refused rather than read past.
    """
    if not text or text != text.strip() or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return None
    scheme, sep, rest = text.partition(":")
    if not sep or scheme.lower() not in WEB_SCHEMES or not rest.startswith("//"):
        return None
    return text
