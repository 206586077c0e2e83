"""Passwords (argon2, checked off the event loop, bounded) and constant-time comparisons."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import core, ffi

from chats.domain.hash_cost import DEFAULT_ITERATIONS, DEFAULT_MEMORY_KIB, check_hash_cost

_PARALLELISM = 4
_DUMMY_PASSWORD = "an unused password for timing parity"  # noqa: S105 - checked against, never a login


def _make_hasher(memory_kib: int, iterations: int) -> PasswordHasher:
    return PasswordHasher(time_cost=iterations, memory_cost=memory_kib,
                          parallelism=_PARALLELISM)


_hasher = _make_hasher(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS)
# Verified against when the login ID is unknown, so both failures take the same time;
# made when first needed, with the parameters then in force.
_dummy: dict[tuple[int, int], str] = {}


def set_hash_cost(memory_kib: int, iterations: int) -> None:
    """Hash new passwords with these argon2 parameters (process-wide, like the pool).

    Stored hashes keep theirs: each is checked with the parameters it names, and one made
    with others is replaced at its next successful login (`needs_rehash`).
    """
    global _hasher
    check_hash_cost(memory_kib, iterations)
    if (_hasher.memory_cost, _hasher.time_cost) != (memory_kib, iterations):
        _hasher = _make_hasher(memory_kib, iterations)


def _dummy_hash() -> str:
    key = (_hasher.memory_cost, _hasher.time_cost)
    if key not in _dummy:
        _dummy[key] = _hasher.hash(_DUMMY_PASSWORD)
    return _dummy[key]


# libargon2's ARGON2_OK and ARGON2_DEFAULT_FLAGS (argon2.h).
_ARGON2_OK = 0
_DEFAULT_FLAGS = 0


def hash_slots() -> int:
    """How many argon2 computations may run at once: the usable cores minus one, at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


HASH_NICENESS = 10
"""How much lower than the event loop's the argon2 threads' CPU priority is (Linux)."""


def _lower_priority() -> None:
    """Run this hashing thread at a lower priority than the event loop's thread.

    Where cores are short, the scheduler otherwise gives a hash a full time slice while the
    loop, woken by a chat message, waits for it (3.6 ms at p99 on one core, measured; 0.4 ms
    at nice 19): logins should wait for chats, not chats for logins. Where cores are free
    it changes nothing."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                       os.getpriority(os.PRIO_PROCESS, 0) + HASH_NICENESS)


# One pool per process, shared by every app and event loop in it: its size bounds the
# hashes running at once and its queue is where a storm of logins waits.
_pool = ThreadPoolExecutor(hash_slots(), thread_name_prefix="chats-argon2",
                           initializer=_lower_priority)


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _argon2_one_thread(encoded: str, password: str) -> bool:
    """Verify an encoded argon2 hash computing its lanes on this thread only.

    libargon2's own verify starts one thread per lane (four for our hashes), so a pool
    of N workers would keep 4N threads busy and the event loop would get a fifth of a
    core; lanes computed in turn give the same result with one thread per check.
    """
    params = extract_parameters(encoded)
    salt, expected = (_unb64(part) for part in encoded.rsplit("$", 2)[1:])
    secret = password.encode()
    out = ffi.new("uint8_t[]", len(expected))
    c_secret, c_salt = ffi.new("uint8_t[]", secret), ffi.new("uint8_t[]", salt)
    context = ffi.new("argon2_context *", {
        "version": params.version, "out": out, "outlen": len(expected),
        "pwd": c_secret, "pwdlen": len(secret), "salt": c_salt, "saltlen": len(salt),
        "secret": ffi.NULL, "secretlen": 0, "ad": ffi.NULL, "adlen": 0,
        "t_cost": params.time_cost, "m_cost": params.memory_cost,
        "lanes": params.parallelism, "threads": 1,
        "allocate_cbk": ffi.NULL, "free_cbk": ffi.NULL, "flags": _DEFAULT_FLAGS,
    })
    if core(context, params.type.value) != _ARGON2_OK:
        return False
    return hmac.compare_digest(bytes(ffi.buffer(out, len(expected))), expected)


def hash_password(password: str) -> str:
    """An argon2id hash of the password (blocking: call `hash_password_async` from a loop)."""
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other argon2 parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown account costs the same time (blocking)."""
    try:
        ok = _argon2_one_thread(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError, ValueError, binascii.Error):
        return False
    return ok and password_hash is not None


async def hash_password_async(password: str) -> str:
    """`hash_password` in the bounded hashing pool, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """`verify_password` in the bounded hashing pool, off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, verify_password, password_hash, password)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time string equality (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
