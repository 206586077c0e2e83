"""Server-side messages in Japanese and English: one catalogue per locale, one lookup."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES = ("ja", "en")
DEFAULT_LOCALE = "ja"


class Term(str):
    """A message parameter that is itself a catalogue key, read in the message's locale."""

    __slots__ = ()


@cache
def _catalog(locale: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((Path(__file__).parent / f"{locale}.json").read_text("utf-8"))
    return data


def translate(key: str, locale: str | None = None, **params: object) -> str:
    """The message `key` in `locale` (ja by default), with {name} placeholders filled."""
    loc = locale if locale in LOCALES else DEFAULT_LOCALE
    text = _catalog(loc).get(key) or _catalog(DEFAULT_LOCALE).get(key) or key
    if not params:
        return text
    return text.format(**{name: translate(value, loc) if isinstance(value, Term) else value
                          for name, value in params.items()})


def pick_locale(accept_language: str | None) -> str:
    """The first supported language of an Accept-Language header, else ja."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in LOCALES:
            return base
    return DEFAULT_LOCALE
