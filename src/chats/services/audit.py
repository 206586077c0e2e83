"""The audit log (issue 17 item 5): record an action in its own transaction, read, export, purge.

`record` adds the row to the session of the action it records, so both commit or
neither does. The routers build the `Actor` (who, and from which client address) with
the `Who` / `TokenWho` dependencies. The privacy actions (export, erasure) record
`AuditAction.GUEST_EXPORTED` / `GUEST_ERASED` the same way.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from chats.db.models import AuditEntry
from chats.domain import calendar
from chats.domain.audit import CSV_COLUMNS, ActorKind, AuditAction, csv_cell, retention_cutoff
from chats.errors import ChatsError
from chats.ids import iso, utcnow
from chats.services.sweeps import HOURLY, Sweep

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.db.engine import Database
    from chats.db.models import ApiToken, Staff

log = logging.getLogger(__name__)

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
"""The CSV export's cap (a year of a busy store is far below it)."""
PURGE_BATCH = 1000


@dataclass(frozen=True)
class Actor:
    """Who acts, for which store, from which client address."""

    store_id: str
    kind: ActorKind
    id: str | None
    name: str
    address: str

    @classmethod
    def of_staff(cls, staff: Staff, address: str) -> Actor:
        """A signed-in staff member (its login ID is the name kept)."""
        return cls(staff.store_id, ActorKind.STAFF, staff.id, staff.login_id, address)

    @classmethod
    def of_token(cls, token: ApiToken, address: str) -> Actor:
        """An integrator's API token (its name is kept)."""
        return cls(token.store_id, ActorKind.TOKEN, token.id, token.name, address)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: one action or all, between two instants (end exclusive)."""

    action: AuditAction | None = None
    start: datetime | None = None
    end: datetime | None = None


def period_filter(action: AuditAction | None, start: date | None, end: date | None,
                  time_zone: str) -> AuditFilter:
    """The filter for whole days `start`..`end` (inclusive) of the store's time zone."""
    if start is not None and end is not None and end < start:
        raise ChatsError("bad_frame", "error.audit_range")
    lo = calendar.days_bounds(start, start, time_zone)[0] if start else None
    hi = calendar.days_bounds(end, end, time_zone)[1] if end else None
    return AuditFilter(action=action, start=lo, end=hi)


def record(session: AsyncSession, actor: Actor, action: AuditAction, *,
           target_type: str | None = None, target_id: str | None = None,
           details: dict[str, Any] | None = None) -> None:
    """Add one entry to the caller's transaction (it commits with the action or not at all)."""
    session.add(AuditEntry(
        store_id=actor.store_id, at=utcnow(), action=action, actor_kind=actor.kind,
        actor_id=actor.id, actor_name=actor.name[:200], address=actor.address[:64],
        target_type=target_type, target_id=target_id, details=details or {},
    ))


def staff_created(session: AsyncSession, actor: Actor, staff: Staff) -> None:
    """A1: a staff member was added."""
    record(session, actor, AuditAction.STAFF_CREATED, target_type="staff", target_id=staff.id,
           details={"login_id": staff.login_id, "name": staff.name, "role": str(staff.role)})


def staff_changed(session: AsyncSession, actor: Actor, staff: Staff,
                  changed: dict[str, object], *, password_reset: bool) -> None:
    """A1: what an admin changed of a member: fields, disabling, a new password (one row each)."""
    target = {"target_type": "staff", "target_id": staff.id}
    who = {"login_id": staff.login_id}
    fields = {k: v for k, v in changed.items() if k != "active"}
    if fields:
        record(session, actor, AuditAction.STAFF_CHANGED, **target,
               details={**who, "fields": {k: _plain(v) for k, v in fields.items()}})
    if "active" in changed:
        action = AuditAction.STAFF_ENABLED if changed["active"] else AuditAction.STAFF_DISABLED
        record(session, actor, action, **target, details=who)
    if password_reset:
        record(session, actor, AuditAction.STAFF_PASSWORD_RESET, **target, details=who)


def _plain(value: object) -> object:
    return value if value is None or isinstance(value, bool | int | float) else str(value)


def _filtered(query: Any, store_id: str, flt: AuditFilter) -> Any:
    query = query.where(AuditEntry.store_id == store_id)
    if flt.action is not None:
        query = query.where(AuditEntry.action == flt.action)
    if flt.start is not None:
        query = query.where(AuditEntry.at >= flt.start)
    if flt.end is not None:
        query = query.where(AuditEntry.at < flt.end)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


async def list_entries(session: AsyncSession, store_id: str, flt: AuditFilter, *,
                       page: int) -> tuple[list[AuditEntry], bool]:
    """One page of the store's entries, newest first, and whether another page follows."""
    query = _filtered(select(AuditEntry), store_id, flt)
    rows = list(await session.scalars(
        query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _csv_line(row: AuditEntry) -> list[str]:
    details = json.dumps(row.details or {}, ensure_ascii=False, sort_keys=True)
    values = [iso(row.at), str(row.action), str(row.actor_kind), row.actor_name,
              row.actor_id or "", row.address, row.target_type or "", row.target_id or "",
              details]
    return [csv_cell(v) for v in values]


async def export_csv(session: AsyncSession, store_id: str, flt: AuditFilter) -> bytes:
    """The entries as CSV for Excel: UTF-8 with a BOM, CRLF lines, formulas neutralised."""
    query = _filtered(select(AuditEntry), store_id, flt).limit(EXPORT_MAX_ROWS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in await session.scalars(query):
        writer.writerow(_csv_line(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def purge(db: Database, *, older_than: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete the entries older than `older_than`, in short transactions of `batch` rows.

    Idempotent: several processes purging at once delete each row once between them.
    """
    total = 0
    while True:
        async with db.write() as session:
            ids = select(AuditEntry.id).where(AuditEntry.at < older_than).limit(batch)
            result = await session.execute(
                delete(AuditEntry).where(AuditEntry.id.in_(ids.scalar_subquery()))
                .execution_options(synchronize_session=False))
            await session.commit()
        deleted = int(getattr(result, "rowcount", 0) or 0)
        total += deleted
        if deleted < batch:
            return total


class AuditSweeper(Sweep):
    """Purges the audit log past its retention once an hour (every process runs one)."""

    name = "audit-sweeper"

    def __init__(self, db: Database, retention_days: int, *,
                 interval: float = HOURLY,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(interval)
        self._db = db
        self._days = retention_days
        self._clock = clock

    async def run_once(self) -> int:
        """One sweep now; how many entries it deleted."""
        deleted = await purge(self._db, older_than=retention_cutoff(self._clock(), self._days))
        if deleted:
            log.info("audit log purged", extra={"deleted": deleted})
        return deleted
