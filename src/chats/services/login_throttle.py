"""Failed-login counters in the database (`login_throttle`), read before and written after
the password check (in the login's write job); the rules are in `domain/login_throttle.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from chats.db.models import LoginThrottle
from chats.domain.login_throttle import (
    FREE_FAILURES_ACCOUNT,
    FREE_FAILURES_ADDRESS,
    FREE_FAILURES_DEVICE,
    Failures,
    delay_after,
    wait_left,
)
from chats.ids import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class LoginKeys:
    """The counters one login attempt is judged by and charged to."""

    account: str
    address: str
    device: str | None  # set when the client proved it logged in as this ID before

    @classmethod
    def of(cls, login_id: str, ip: str, device: str | None, scope: str = "") -> LoginKeys:
        """Keys for an attempt on `login_id` from `ip` (and a trusted `device`).

        `scope` names whose login ID it is: the store of the staff member it found, else
        the store code the attempt gave (or nothing). Login IDs are per store, so failures
        aimed at one store's "admin" never slow down another store's "admin", and one
        account has one counter however its store is named (by code, or by an ID that
        only one store uses).
        """
        account = f"{scope[:64]}/{login_id.strip().lower()[:150]}"
        return cls(f"acct:{account}", f"ip:{ip[:64]}", f"dev:{device}" if device else None)

    def charged(self) -> list[tuple[str, int]]:
        """(key, free failures) of every counter a failure adds to."""
        keys = [(self.account, FREE_FAILURES_ACCOUNT), (self.address, FREE_FAILURES_ADDRESS)]
        if self.device:
            keys.append((self.device, FREE_FAILURES_DEVICE))
        return keys

    def judged(self) -> list[tuple[str, int]]:
        """(key, free failures) of the counters that may make this attempt wait.

        A trusted device answers for itself only, so failures of others — on this
        account or from this address — never refuse the owner.
        """
        if self.device:
            return [(self.device, FREE_FAILURES_DEVICE)]
        return [(self.account, FREE_FAILURES_ACCOUNT), (self.address, FREE_FAILURES_ADDRESS)]


def _failures(row: LoginThrottle | None) -> Failures:
    if row is None:
        return Failures()
    return Failures(row.failures, row.window_start)


async def wait_before(session: AsyncSession, keys: LoginKeys) -> timedelta:
    """How long this attempt must wait before its password is even checked."""
    now = utcnow()
    waits = [timedelta(0)]
    for key, free in keys.judged():
        waits.append(wait_left(_failures(await session.get(LoginThrottle, key)), free, now))
    return max(waits)


def record_failure(conn: Connection, keys: LoginKeys) -> None:
    """Add one failure to every counter of the attempt (a write job's connection)."""
    now = utcnow()
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for key, free in keys.charged():
        # Make the row if missing, then lock and update it: concurrent failures add up.
        conn.execute(insert(LoginThrottle).values(key=key, failures=0, window_start=now)
                     .on_conflict_do_nothing(index_elements=["key"]))
        query = select(LoginThrottle.failures, LoginThrottle.window_start) \
            .where(LoginThrottle.key == key)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        count, last_at = conn.execute(query).one()
        failures = Failures(count, last_at if count else None).after_failure(now)
        # locked_until is kept for whoever reads the table: when the key may try again.
        conn.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(
            failures=failures.count, window_start=now,
            locked_until=now + delay_after(failures.count, free)))


def clear_after_success(conn: Connection, keys: LoginKeys) -> None:
    """Forget the account's and the device's failures (never the address's)."""
    stale = [keys.account] + ([keys.device] if keys.device else [])
    conn.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(stale)))
