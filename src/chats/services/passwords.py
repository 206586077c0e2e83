"""The password policy (OWASP ASVS level 2) and the argon2 parameter upgrade on login."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from zxcvbn import zxcvbn

from chats.errors import ChatsError
from chats.security import hash_password_async, needs_rehash

if TYPE_CHECKING:
    from collections.abc import Iterable

MIN_LENGTH = 12
MAX_LENGTH = 200
# zxcvbn refuses longer input; a password's first 72 characters are what it rates.
_RATED_LENGTH = 72
# zxcvbn score 3 = at least 10^8 guesses once its lists (30,000 common and breached
# passwords, words, names), keyboard walks, sequences and repeats are tried first.
_MIN_SCORE = 3
_SPACES = re.compile(r"\s+")


def _counted(password: str) -> str:
    # ASVS 2.1.1: runs of spaces count as one character; NFC so a kana with its
    # voicing mark is one character whichever way the keyboard typed it.
    return _SPACES.sub(" ", unicodedata.normalize("NFC", password))


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_new_password(password: str, *, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a password shorter than 12 characters or found among common ones."""
    counted = _counted(password)
    if len(counted) < MIN_LENGTH:
        raise ChatsError("bad_frame", "error.password_short", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise ChatsError("bad_frame", "error.password_long", max=MAX_LENGTH)
    if counted.strip().lower() in _common():
        raise ChatsError("bad_frame", "error.password_common")
    words = [w for w in user_inputs if w]
    if zxcvbn(counted[:_RATED_LENGTH], user_inputs=words)["score"] < _MIN_SCORE:
        raise ChatsError("bad_frame", "error.password_common")


async def new_password_hash(password: str, *, user_inputs: Iterable[str] = ()) -> str:
    """Check the policy, then hash off the event loop (call before a write transaction)."""
    check_new_password(password, user_inputs=user_inputs)
    return await hash_password_async(password)


async def upgraded_hash(password_hash: str, password: str) -> str | None:
    """A new hash when the stored one uses older argon2 parameters (call after a match)."""
    if not needs_rehash(password_hash):
        return None
    # Hashing is ~0.5 s of CPU: off the event loop, and not inside a write transaction.
    return await hash_password_async(password)
