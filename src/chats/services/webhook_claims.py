"""The webhook deliverer's statements: claim a batch, renew its lease, settle its outcomes.

Each is a write job (`chats.db.writer`) of Core statements, built once: on SQLite it
runs in the group-commit writer thread beside the messages (a savepoint of their
transaction, no commit or thread hop of its own); on PostgreSQL in a transaction of
the async engine. A batch costs a few statements, whatever its size:

- claim: one `UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP LOCKED])
  RETURNING`, and the rows' endpoints and (for `message.created`, which the hot
  path queues without a body) their messages in one joined SELECT; on PostgreSQL
  both are one statement (the UPDATE a CTE of the SELECT);
- settle: one executemany UPDATE of the outcomes, guarded by the lease holder, and
  the endpoints' failure state only when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Integer, and_, bindparam, func, or_, select, true, update

from chats.db.models import Conversation, Message, Store, Webhook, WebhookDelivery
from chats.domain.webhooks import RETRY_FOR, DeliveryStatus, WebhookEvent

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime, timedelta

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql import Executable, FromClause
    from sqlalchemy.sql.elements import ColumnElement

_D = cast("Table", WebhookDelivery.__table__)
_W = cast("Table", Webhook.__table__)
_M = cast("Table", Message.__table__)
_C = cast("Table", Conversation.__table__)
_S = cast("Table", Store.__table__)


@dataclass(frozen=True)
class Claimed:
    """A delivery in hand, with what sending it needs (None: endpoint or message gone)."""

    id: str
    webhook_id: str
    event: str
    body: str | None  # None: a message.created not built yet (see `message`)
    attempts: int
    retry_until: datetime
    url: str | None
    secret: str | None
    active: bool
    failing_since: datetime | None
    message: dict[str, Any] | None  # the message's columns and its guest_id


@dataclass(frozen=True)
class Settled:
    """One attempt's outcome, as the settle statement writes it."""

    id: str
    webhook_id: str
    status: DeliveryStatus
    attempts: int
    at: datetime
    code: int | None
    excerpt: str | None
    error: str | None
    body: str | None  # written only if the row has none yet (a built message.created)
    next_attempt_at: datetime | None  # None: kept
    counts: bool  # False: endpoint off or event gone; the endpoint's state is left alone
    failing_since: datetime | None  # the endpoint's, as claimed


_MESSAGE_COLUMNS = ("id", "conversation_id", "seq", "author", "kind", "text", "stamp",
                    "staff_id", "created_at")


def _due() -> ColumnElement[bool]:
    now = bindparam("c_now", type_=_D.c.next_attempt_at.type)
    return ((_D.c.status == DeliveryStatus.PENDING.value) & (_D.c.next_attempt_at <= now)
            & or_(_D.c.locked_until.is_(None), _D.c.locked_until < now))


def _claim_update() -> Any:
    # A suspended store's deliveries wait (its endpoints hear nothing until it resumes).
    suspended = select(_S.c.id).where(_S.c.suspended_at.is_not(None))
    pick = (select(_D.c.id).where(_due(), _D.c.store_id.not_in(suspended))
            .order_by(_D.c.next_attempt_at, _D.c.id)
            .limit(bindparam("c_limit", type_=Integer))
            .with_for_update(skip_locked=True))  # SQLite renders no FOR UPDATE
    return (update(_D)
            .where(_D.c.id.in_(pick.scalar_subquery()), _due())
            .values(locked_by=bindparam("c_owner", type_=_D.c.locked_by.type),
                    locked_until=bindparam("c_until", type_=_D.c.locked_until.type))
            .returning(_D.c.id, _D.c.webhook_id, _D.c.event, _D.c.subject_id, _D.c.body,
                       _D.c.attempts, _D.c.retry_until))


def _details(rows: FromClause) -> Any:
    """The claimed rows with their endpoint and, for an unbuilt message.created, the message."""
    r = rows.c
    message_of = and_(r.body.is_(None), r.event == WebhookEvent.MESSAGE_CREATED.value,
                      _M.c.id == r.subject_id)
    return (select(r.id, r.webhook_id, r.event, r.body, r.attempts, r.retry_until,
                   _W.c.url, _W.c.secret, _W.c.active, _W.c.failing_since,
                   *(_M.c[name].label(f"m_{name}") for name in _MESSAGE_COLUMNS),
                   _C.c.guest_id.label("m_guest_id"))
            .select_from(rows.outerjoin(_W, _W.c.id == r.webhook_id)
                         .outerjoin(_M, message_of)
                         .outerjoin(_C, _C.c.id == _M.c.conversation_id)))


@cache
def _claim_statements(dialect: str) -> tuple[Executable, Executable | None]:
    """(claim, details) for SQLite; (claim and details in one, None) for PostgreSQL."""
    claim = _claim_update()
    if dialect == "postgresql":
        return _details(claim.cte("claimed")), None
    return claim, _details(_D).where(_D.c.id.in_(bindparam("c_ids", expanding=True)))


def _claimed(row: Any) -> Claimed:
    m = row._mapping
    message = None
    if m["m_id"] is not None:
        message = {name: m[f"m_{name}"] for name in (*_MESSAGE_COLUMNS, "guest_id")}
    return Claimed(m["id"], m["webhook_id"], m["event"], m["body"], int(m["attempts"]),
                   m["retry_until"], m["url"], m["secret"], bool(m["active"]),
                   m["failing_since"], message)


def claim_job(owner: str, now: datetime, lease: timedelta,
              limit: int) -> Callable[[Connection], list[Claimed]]:
    """A job that leases up to `limit` due deliveries to `owner` and returns them."""
    params = {"c_now": now, "c_owner": owner, "c_until": now + lease, "c_limit": limit}

    def job(conn: Connection) -> list[Claimed]:
        claim, details = _claim_statements(conn.dialect.name)
        if details is None:
            return [_claimed(row) for row in conn.execute(claim, params)]
        ids = [row[0] for row in conn.execute(claim, params)]
        if not ids:
            return []
        return [_claimed(row) for row in conn.execute(details, {"c_ids": ids})]

    return job


@cache
def _renew_statement() -> Executable:
    return (update(_D)
            .where(_D.c.id.in_(bindparam("r_ids", expanding=True)),
                   _D.c.locked_by == bindparam("r_owner", type_=_D.c.locked_by.type))
            .values(locked_until=bindparam("r_until", type_=_D.c.locked_until.type)))


def renew_job(owner: str, ids: Sequence[str], until: datetime) -> Callable[[Connection], None]:
    """A job that pushes the lease of `owner`'s deliveries `ids` to `until`."""
    params = {"r_ids": list(ids), "r_owner": owner, "r_until": until}

    def job(conn: Connection) -> None:
        conn.execute(_renew_statement(), params)

    return job


@cache
def _settle_statements() -> tuple[Executable, Executable, Executable]:
    """(the outcome of one delivery, an endpoint's failure cleared, its failure noted)."""
    d = _D.c
    outcome = (
        update(_D)
        .where(d.id == bindparam("s_id", type_=d.id.type),
               d.locked_by == bindparam("s_owner", type_=d.locked_by.type))
        .values(status=bindparam("s_status", type_=d.status.type),
                attempts=bindparam("s_attempts", type_=d.attempts.type),
                last_attempt_at=bindparam("s_at", type_=d.last_attempt_at.type),
                response_code=bindparam("s_code", type_=d.response_code.type),
                response_excerpt=bindparam("s_excerpt", type_=d.response_excerpt.type),
                last_error=bindparam("s_error", type_=d.last_error.type),
                body=func.coalesce(d.body, bindparam("s_body", type_=d.body.type)),
                next_attempt_at=func.coalesce(
                    bindparam("s_next", type_=d.next_attempt_at.type), d.next_attempt_at),
                delivered_at=func.coalesce(
                    bindparam("s_delivered", type_=d.delivered_at.type), d.delivered_at),
                locked_by=None, locked_until=None))
    hook = bindparam("e_id", type_=_W.c.id.type)
    cleared = (update(_W).where(_W.c.id == hook, _W.c.active == true())
               .values(failing_since=None))
    noted = (update(_W).where(_W.c.id == hook, _W.c.active == true(),
                              _W.c.failing_since.is_(None))
             .values(failing_since=bindparam("e_now", type_=_W.c.failing_since.type)))
    return outcome, cleared, noted


@dataclass
class SettleResult:
    """How many outcomes were written, and the endpoints that have failed for a day."""

    written: int
    to_switch_off: list[str]


def settle_job(owner: str, outcomes: Sequence[Settled]) -> Callable[[Connection], SettleResult]:
    """A job that writes `outcomes` (in the order they came) and the endpoints' state.

    An endpoint's state follows its last counted outcome in the batch: delivered clears
    its failure, failed notes when it began; one failing for `RETRY_FOR` is returned to
    be switched off (`WebhookDeliverer` does it, mailing the admins, in one transaction).
    """
    rows = [{"s_id": o.id, "s_owner": owner, "s_status": o.status.value,
             "s_attempts": o.attempts, "s_at": o.at, "s_code": o.code, "s_excerpt": o.excerpt,
             "s_error": o.error, "s_body": o.body, "s_next": o.next_attempt_at,
             "s_delivered": o.at if o.status == DeliveryStatus.DELIVERED else None}
            for o in outcomes]
    last = {o.webhook_id: o for o in outcomes if o.counts}
    clear = [{"e_id": h} for h, o in last.items()
             if o.status == DeliveryStatus.DELIVERED and o.failing_since is not None]
    note = [{"e_id": h, "e_now": o.at} for h, o in last.items()
            if o.status != DeliveryStatus.DELIVERED and o.failing_since is None]
    switch_off = [h for h, o in last.items()
                  if o.status != DeliveryStatus.DELIVERED and o.failing_since is not None
                  and o.at - o.failing_since >= RETRY_FOR]

    def job(conn: Connection) -> SettleResult:
        outcome, cleared, noted = _settle_statements()
        result = conn.execute(outcome, rows)
        if clear:
            conn.execute(cleared, clear)
        if note:
            conn.execute(noted, note)
        return SettleResult(int(result.rowcount), switch_off)

    return job
