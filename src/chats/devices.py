"""Device cookies: a signed proof that this browser logged in as a login ID before.

Set on every successful login; a login from a device holding the proof for the login
ID it tries skips the account's and the address's delays (an outsider's failures
cannot lock the owner out), and is throttled on its own counter instead. One cookie
keeps the proofs of the last few login IDs used on the browser (a shared counter PC).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

COOKIE = "chats_device"
LIFETIME_SECONDS = 180 * 86400
MAX_PROOFS = 5
_PURPOSE = b"chats.device.v1"
_MAX_COOKIE = 2000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _login_tag(key: bytes, login_id: str) -> str:
    # The login ID itself is not in the cookie, only a keyed digest of it.
    digest = hmac.new(key, b"login:" + login_id.strip().lower().encode(), hashlib.sha256)
    return _b64(digest.digest()[:12])


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:16])


def _proofs(cookie: str | None) -> list[str]:
    if not cookie or len(cookie) > _MAX_COOKIE or not cookie.isascii():
        return []
    return [p for p in cookie.split("~") if p][:MAX_PROOFS]


def device_for(secret: str, cookie: str | None, login_id: str, *, now: float | None = None
               ) -> str | None:
    """The device id this cookie proves for `login_id`, or None (missing, forged, expired)."""
    key = _key(secret)
    tag = _login_tag(key, login_id)
    moment = time.time() if now is None else now
    for proof in _proofs(cookie):
        parts = proof.split(".")
        if len(parts) != 4 or parts[1] != tag:
            continue
        device, _tag, expires, mac = parts
        body = f"{device}.{tag}.{expires}"
        if hmac.compare_digest(mac, _mac(key, body)) and expires.isdigit() \
                and int(expires) > moment:
            return device
    return None


def remember(secret: str, cookie: str | None, login_id: str, *, now: float | None = None
             ) -> str:
    """The cookie value after a successful login: a fresh proof for `login_id` first."""
    key = _key(secret)
    tag = _login_tag(key, login_id)
    expires = int((time.time() if now is None else now) + LIFETIME_SECONDS)
    body = f"{_b64(secrets.token_bytes(12))}.{tag}.{expires}"
    others = [p for p in _proofs(cookie) if p.split(".")[1:2] != [tag]]
    return "~".join([f"{body}.{_mac(key, body)}", *others][:MAX_PROOFS])
