"""How a batch of page views is written: a group-writer job on SQLite, a statement on PostgreSQL.

Both look up the batch's returning guests (blacklisted and unread included, read
in the transaction that writes, so fresh), create a guest for each visit
without a token, insert the page views and touch `last_seen_at`. A visit whose
token this store does not know stores nothing and reports None: the caller
decides whether the client may make a new guest (`Visits.visit`). The SQL
is fixed text run on the driver itself: building and executing SQLAlchemy
statements cost more than the rows (bench/README.md, item 1).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from chats.db.models import PageView
from chats.ids import new_id, new_token, token_hash

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection, Dialect
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@dataclass(frozen=True, slots=True)
class SeenGuest:
    """The guest who made a page view, as `/visit` reports it."""

    guest_id: str
    token: str
    blacklisted: bool
    unread: int


@dataclass(slots=True)
class PendingView:
    """A page view waiting for its batch; `future` gets its guest once it is committed."""

    store_id: str
    token: str | None
    token_hash: str | None
    url: str
    title: str
    referrer: str | None
    viewed_at: datetime
    future: asyncio.Future[SeenGuest | None]


Outcome = list[SeenGuest | Exception | None]
"""Per page view of a batch, in order: its guest once committed, None for an unknown token,
or why it was not stored."""


def view_id() -> str:
    """A new page view id: 32 hex characters like `new_id()`, but in time order.

    With random ids each new row of the primary-key index lands on a page of its
    own, which the commit then has to write; time-ordered ones share the last page.
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def _new_guest() -> SeenGuest:
    return SeenGuest(new_id(), new_token(), False, 0)


# -- SQLite: a job for the group-commit writer thread --------------------------------------
_SQLITE_LOOKUP = """SELECT g.id, g.token_hash, g.store_id, g.blacklisted,
  (SELECT count(*) FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id
   WHERE c.guest_id = g.id AND m.author = 'staff' AND m.seq > c.guest_read_seq)
FROM guests AS g WHERE g.token_hash IN (SELECT value FROM json_each(?))"""
_SQLITE_TOUCH = "UPDATE guests SET last_seen_at = ? WHERE id = ?"
_SQLITE_ADD_GUEST = (
    "INSERT INTO guests (id, store_id, token_hash, profile, notes, blacklisted, search_text, "
    "first_referrer, first_seen_at, last_seen_at) VALUES (?, ?, ?, '{}', '', 0, '', ?, ?, ?)")
_SQLITE_ADD_VIEW = ("INSERT INTO page_views (id, store_id, guest_id, url, title, referrer, "
                    "viewed_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_time_binds: dict[str, Callable[[datetime], Any]] = {}


def _time_bind(dialect: Dialect) -> Callable[[datetime], Any]:
    """A UTC time as SQLAlchemy stores it on this dialect (naive ISO text on SQLite)."""
    found = _time_binds.get(dialect.name)
    if found is None:
        column = cast("Table", PageView.__table__).c.viewed_at
        found = column.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        _time_binds[dialect.name] = found
    return found


def sqlite_job(batch: Sequence[PendingView]) -> Callable[[Connection], Outcome]:
    """A group-writer job storing a batch; returns who made each page view, in order."""

    def job(conn: Connection) -> Outcome:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return _sqlite_batch(cursor, _time_bind(conn.dialect), batch)
        finally:
            cursor.close()

    return job


def _sqlite_batch(cursor: Any, when: Callable[[datetime], Any],
                  batch: Sequence[PendingView]) -> Outcome:
    known: dict[str, Any] = {}
    hashes = list({v.token_hash for v in batch if v.token_hash})
    if hashes:
        cursor.execute(_SQLITE_LOOKUP, (json.dumps(hashes),))
        known = {row[1]: row for row in cursor.fetchall()}
    seen: Outcome = []
    new_guests: list[tuple[Any, ...]] = []
    touched: dict[str, Any] = {}
    views: list[tuple[Any, ...]] = []
    for view in batch:
        at = when(view.viewed_at)
        row = known.get(view.token_hash) if view.token_hash else None
        if row is not None and view.token and row[2] == view.store_id:
            guest = SeenGuest(row[0], view.token, bool(row[3]), int(row[4]))
            touched[guest.guest_id] = at
        elif view.token:  # a token this store does not know
            seen.append(None)
            continue
        else:
            guest = _new_guest()
            new_guests.append((guest.guest_id, view.store_id, token_hash(guest.token),
                               view.referrer, at, at))
        seen.append(guest)
        views.append((view_id(), view.store_id, guest.guest_id, view.url, view.title,
                      view.referrer, at))
    if new_guests:
        cursor.executemany(_SQLITE_ADD_GUEST, new_guests)
    if touched:
        cursor.executemany(_SQLITE_TOUCH, [(at, guest_id) for guest_id, at in touched.items()])
    cursor.executemany(_SQLITE_ADD_VIEW, views)
    return seen


# -- PostgreSQL: one statement per batch (two when it brings new guests) --------------------
# A single statement commits on its own, so a batch of returning guests costs one round
# trip: no BEGIN, no COMMIT, no SQLAlchemy. Its parts share one snapshot; the UPDATE
# takes each guest's row lock as a transaction would. New guests (visits without a
# token) come in a second statement that inserts the guest and its page view together.
_PG_RETURNING = """WITH v AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::text[],
                       $6::text[], $7::timestamptz[])
    WITH ORDINALITY AS v(view_id, store_id, token_hash, url, title, referrer, viewed_at, n)
), known AS (
  SELECT v.*, g.id AS guest_id, g.blacklisted
  FROM v JOIN guests AS g ON g.token_hash = v.token_hash AND g.store_id = v.store_id
), touched AS (
  UPDATE guests SET last_seen_at = t.seen
  FROM (SELECT guest_id, max(viewed_at) AS seen FROM known GROUP BY guest_id) AS t
  WHERE guests.id = t.guest_id
), added AS (
  INSERT INTO page_views (id, store_id, guest_id, url, title, referrer, viewed_at)
  SELECT view_id, store_id, guest_id, url, title, referrer, viewed_at FROM known
)
SELECT k.n, k.guest_id, k.blacklisted,
  (SELECT count(*) FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id
   WHERE c.guest_id = k.guest_id AND m.author = 'staff' AND m.seq > c.guest_read_seq)
FROM known AS k"""
_PG_NEW = """WITH v AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[],
                       $6::text[], $7::text[], $8::timestamptz[])
    AS v(guest_id, store_id, token_hash, view_id, url, title, referrer, viewed_at)
), guest AS (
  INSERT INTO guests (id, store_id, token_hash, profile, notes, blacklisted, search_text,
                      first_referrer, first_seen_at, last_seen_at)
  SELECT guest_id, store_id, token_hash, '{}', '', false, '', referrer, viewed_at, viewed_at
  FROM v
)
INSERT INTO page_views (id, store_id, guest_id, url, title, referrer, viewed_at)
SELECT view_id, store_id, guest_id, url, title, referrer, viewed_at FROM v"""


class PostgresViews:
    """Writes batches on connections of the engine's pool, kept while batches follow.

    Taking a connection from the pool and giving it back cost about a seventh of a
    page view's CPU at batches of eight (measured), so a stream of batches keeps its
    connections; `release` gives them back once nothing waits.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._idle: list[tuple[AsyncConnection, Any]] = []

    async def store(self, batch: Sequence[PendingView]) -> Outcome:
        """Store a batch; raises when nothing of it was stored."""
        if self._idle:
            conn, driver = self._idle.pop()
        else:
            conn = await self.engine.connect()
            driver = (await conn.get_raw_connection()).driver_connection
        try:
            outcome = await _pg_batch(driver, batch)
        except BaseException:
            await _discard(conn)
            raise
        if any(isinstance(o, Exception) for o in outcome):
            await _discard(conn)
        else:
            self._idle.append((conn, driver))
        return outcome

    async def release(self) -> None:
        """Give every kept connection back to the pool."""
        while self._idle:
            await self._idle.pop()[0].close()


async def _discard(conn: AsyncConnection) -> None:
    with contextlib.suppress(Exception):
        await conn.invalidate()  # its state after a failure is not worth trusting


async def _pg_batch(driver: Any, batch: Sequence[PendingView]) -> Outcome:
    returning = [v for v in batch if v.token_hash]
    outcome: dict[int, SeenGuest | Exception | None] = {}
    if returning:
        rows = await driver.fetch(
            _PG_RETURNING, [view_id() for _ in returning], [v.store_id for v in returning],
            [v.token_hash for v in returning], [v.url for v in returning],
            [v.title for v in returning], [v.referrer for v in returning],
            [v.viewed_at for v in returning])
        for n, guest_id, blacklisted, unread in rows:
            view = returning[n - 1]
            outcome[id(view)] = SeenGuest(guest_id, view.token or "", bool(blacklisted),
                                          int(unread))
    new = [(v, _new_guest()) for v in batch if not v.token_hash]
    if new:
        try:
            await driver.execute(
                _PG_NEW, [g.guest_id for _v, g in new], [v.store_id for v, _g in new],
                [token_hash(g.token) for _v, g in new], [view_id() for _ in new],
                [v.url for v, _g in new], [v.title for v, _g in new],
                [v.referrer for v, _g in new], [v.viewed_at for v, _g in new])
        except Exception as exc:  # the returning guests' page views are stored already
            outcome.update((id(v), exc) for v, _g in new)
        else:
            outcome.update((id(v), g) for v, g in new)
    return [outcome.get(id(v)) for v in batch]  # absent: a token this store does not know
