"""Variables in canned responses (issue 16): `{guest_name}` / `{ゲスト名}` and the like.

The console fills them in when a response is inserted; the server only refuses a
response naming a variable it does not know, so a typo is caught when saving.
"""

from __future__ import annotations

import re
from typing import Final

# Each variable by its English and Japanese name.
VARIABLES: Final = {
    "guest_name": "guest_name", "ゲスト名": "guest_name",
    "staff_name": "staff_name", "担当者名": "staff_name",
    "store_name": "store_name", "店舗名": "store_name",
    "today": "today", "今日": "today",
}
# `{name}`: braces around a short run without spaces or braces. Anything else in
# braces (a lone "{", "{ }", JSON-like text with spaces) is plain text.
_VARIABLE: Final = re.compile(r"\{([^{}\s]{1,30})\}")


def variables_in(text: str) -> list[str]:
    """The names written as `{name}` in `text`, in order of appearance."""
    return _VARIABLE.findall(text)


def unknown_variables(text: str) -> list[str]:
    """The names in `text` that are not variables (each once, in order)."""
    unknown: list[str] = []
    for name in variables_in(text):
        if name not in VARIABLES and name not in unknown:
            unknown.append(name)
    return unknown
