"""Signed, expiring links from a notification mail to one guest's conversation (M2)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from chats.ids import utcnow

if TYPE_CHECKING:
    from datetime import datetime

MAX_TOKEN = 1000
_PURPOSE = b"chats.mail-link.v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> bytes:
    # A key derived for this purpose only, so the token can't be replayed elsewhere.
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()


def sign_mail_link(
    secret: str,
    guest_id: str,
    conversation_id: str,
    *,
    ttl_seconds: int,
    now: datetime | None = None,
) -> str:
    """A URL-safe token naming the guest and conversation, valid for `ttl_seconds`."""
    expires = int((now or utcnow()).timestamp()) + ttl_seconds
    body = json.dumps([guest_id, conversation_id, expires], separators=(",", ":"))
    payload = _b64(body.encode())
    return f"{payload}.{_b64(_mac(secret, payload))}"


def _decode(payload: str) -> tuple[str, str, int] | None:
    try:
        data = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(data, list) or len(data) != 3:
        return None
    guest_id, conversation_id, expires = data
    if not (isinstance(guest_id, str) and isinstance(conversation_id, str)):
        return None
    if not isinstance(expires, int) or isinstance(expires, bool):
        return None
    return guest_id, conversation_id, expires


def verify_mail_link(
    secret: str, token: str, *, now: datetime | None = None
) -> tuple[str, str] | None:
    """(guest_id, conversation_id) of a genuine, unexpired token; else None."""
    payload, dot, signature = token.partition(".")
    if not dot or len(token) > MAX_TOKEN or not payload.isascii():
        return None
    if not hmac.compare_digest(signature.encode(), _b64(_mac(secret, payload)).encode()):
        return None
    decoded = _decode(payload)
    if decoded is None or decoded[2] <= (now or utcnow()).timestamp():
        return None
    return decoded[0], decoded[1]
