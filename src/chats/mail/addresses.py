"""Safety of what goes into mail headers: addresses, subjects and names."""

from __future__ import annotations

import re
import unicodedata

from chats.errors import ChatsError

MAX_ADDRESS = 254
MAX_SUBJECT = 300

# RFC 5322 dot-atom local part and an RFC 1035 host name with at least two labels.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)@(?P<domain>{_LABEL}(?:\.{_LABEL})+)")

# Cc: C0/C1 controls (CR, LF, TAB, NUL…); Zl/Zp: Unicode line and paragraph separators.
_BREAKING = {"Cc", "Zl", "Zp"}
# Cf: invisible format characters (bidi overrides…) that disguise a name.
_INVISIBLE = _BREAKING | {"Cf"}


def has_control(text: str) -> bool:
    """True when `text` holds a line break or another control character."""
    return any(unicodedata.category(ch) in _BREAKING for ch in text)


def validate_address(address: str) -> str:
    """The address, stripped of spaces; refuses control characters and bad syntax."""
    if has_control(address):
        raise ChatsError("bad_frame", "error.header_injection")
    address = address.strip(" ")
    match = _ADDRESS.fullmatch(address)
    if match is None or len(address) > MAX_ADDRESS or len(match["local"]) > 64:
        raise ChatsError("bad_frame", "error.email_invalid")
    return address


def is_valid_address(address: object) -> bool:
    """True when `address` is a string that `validate_address` accepts."""
    if not isinstance(address, str):
        return False
    try:
        validate_address(address)
    except ChatsError:
        return False
    return True


def check_subject(subject: str) -> str:
    """The subject, shortened to fit; refuses line breaks and control characters."""
    if has_control(subject):
        raise ChatsError("bad_frame", "error.header_injection")
    subject = subject.strip()
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


def clean_header_text(text: str, *, limit: int = 60) -> str:
    """A single-line, shortened version of user text (a nickname) fit for a header."""
    replaced = "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch for ch in text)
    single = " ".join(replaced.split())
    return single if len(single) <= limit else single[: limit - 1] + "…"
