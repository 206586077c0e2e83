"""The search words of a referrer from Google or Yahoo! JAPAN (issue 16 item 6).

Google puts them in `q` (older result pages named a charset in `ie`); Yahoo! JAPAN in
`p`, percent-encoded UTF-8 unless `ei` names EUC-JP or Shift_JIS, which its older
search boxes sent. Most referrers today carry no words (browsers send the origin
only): then there is nothing to show.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qs, urlsplit

# Charset names the search engines have used, as Python codecs; others read as UTF-8.
_CHARSETS: Final = {
    "utf-8": "utf-8", "utf8": "utf-8",
    "euc-jp": "euc_jp", "eucjp": "euc_jp", "x-euc-jp": "euc_jp",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "cp932": "cp932", "windows-31j": "cp932",
}
_GOOGLE: Final = re.compile(r"(?:www\.)?google\.(?:[a-z]{2,3}|com?\.[a-z]{2})")
_YAHOO: Final = re.compile(r"(?:[a-z0-9-]+\.)?search\.yahoo\.(?:co\.jp|com)")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
MAX_WORDS_CHARS: Final = 200


def _engine(host: str) -> tuple[str, str] | None:
    """(words parameter, charset parameter) of a search engine's host, else None."""
    if _GOOGLE.fullmatch(host):
        return "q", "ie"
    if _YAHOO.fullmatch(host):
        return "p", "ei"
    return None


def _charset(query: str, name: str) -> str:
    given = parse_qs(query, encoding="latin-1").get(name, [""])[0].strip().lower()
    return _CHARSETS.get(given, "utf-8")


def search_words(referrer: str | None) -> str | None:
    """The words searched for, one space apart, when `referrer` is a Google or Yahoo! result."""
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    engine = _engine(host)
    if engine is None or not parts.query:
        return None
    words_name, charset_name = engine
    values = parse_qs(parts.query, encoding=_charset(parts.query, charset_name),
                      errors="replace").get(words_name, [])
    words = " ".join(_CONTROL.sub(" ", values[0]).split()) if values else ""
    if not words or words.startswith(("http://", "https://")):
        return None
    return words[:MAX_WORDS_CHARS]
