"""Search every message a store has exchanged (issue 19 item 1; docs/decisions/0013).

Words of three characters or more go through the trigram index (SQLite: the FTS5
table `message_search`, walked newest first and stopped after a page; PostgreSQL:
the `pg_trgm` GIN index on the generated column `messages.search_folded`); shorter
words are matched as substrings of the folded text. A query made only of short words
cannot use the index: it is matched against the store's newest `SHORT_SCAN_LIMIT`
messages that pass the filters, and the answer says so (`scan_limit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, column, literal_column, or_, select, table, text

from chats.db.models import Conversation, Guest, Message, Staff, Store
from chats.domain import calendar
from chats.domain.search import (
    SHORT_SCAN_LIMIT,
    SearchQueryError,
    Segment,
    fts5_query,
    highlight,
    is_indexed,
    like_pattern,
    query_words,
)
from chats.errors import ChatsError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from chats.domain.conversation import ConversationStatus

PAGE_SIZE = 20
MAX_PAGE = 500

_docs = table("message_search_docs", column("id"), column("message_id"), column("body"))
_fts = table("message_search", column("rowid"))


@dataclass(frozen=True)
class SearchFilters:
    """What narrows a search besides its words; ids are checked against the store."""

    start: date | None = None
    end: date | None = None
    staff_id: str | None = None
    guest_id: str | None = None
    status: ConversationStatus | None = None


@dataclass(frozen=True)
class SearchHit:
    """One message found, with its conversation's facts and a highlighted snippet."""

    message_id: str
    conversation_id: str
    seq: int
    author: str
    staff_id: str | None
    staff_name: str | None
    guest_id: str
    nickname: str | None
    status: str
    created_at: datetime
    snippet: list[Segment]


@dataclass(frozen=True)
class SearchPage:
    """A page of hits, newest first; `scan_limit` is set when only recent messages were read."""

    hits: list[SearchHit]
    page: int
    has_more: bool
    scan_limit: int | None


def words_of(q: str) -> list[str]:
    """The query's words, or the localised refusal (422) of a query that cannot be run."""
    try:
        return query_words(q)
    except SearchQueryError as exc:
        raise ChatsError("bad_frame", f"error.{exc.reason}", status=422) from exc


async def _check_filters(session: AsyncSession, store_id: str, filters: SearchFilters) -> None:
    """Another store's staff member or guest is not found, as everywhere else."""
    if filters.start and filters.end and filters.end < filters.start:
        raise ChatsError("bad_frame", "error.search_range", status=422)
    if filters.staff_id is not None:
        staff = await session.get(Staff, filters.staff_id)
        if staff is None or staff.store_id != store_id:
            raise ChatsError("not_found")
    if filters.guest_id is not None:
        guest = await session.get(Guest, filters.guest_id)
        if guest is None or guest.store_id != store_id:
            raise ChatsError("not_found")


def _filtered(query: Any, store_id: str, filters: SearchFilters, zone: str) -> Any:
    query = query.where(Message.store_id == store_id)
    if filters.start or filters.end:
        low, high = calendar.days_bounds(filters.start or date(2000, 1, 1),
                                         filters.end or date(9998, 12, 31), zone)
        if filters.start:
            query = query.where(Message.created_at >= low)
        if filters.end:
            query = query.where(Message.created_at < high)
    if filters.staff_id is not None:
        # The conversations the member handled, and whatever they wrote elsewhere.
        query = query.where(or_(Conversation.staff_id == filters.staff_id,
                                Message.staff_id == filters.staff_id))
    if filters.guest_id is not None:
        query = query.where(Conversation.guest_id == filters.guest_id)
    if filters.status is not None:
        query = query.where(Conversation.status == filters.status)
    return query


_COLUMNS = (Message.id, Message.conversation_id, Message.seq, Message.author, Message.staff_id,
            Staff.name, Conversation.guest_id, Conversation.nickname, Conversation.status,
            Message.created_at, Message.text)


def _base() -> Any:
    return (select(*_COLUMNS)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .outerjoin(Staff, Staff.id == Message.staff_id))


def _folded(dialect: str) -> Any:
    """The folded text a short word is looked for in."""
    return _docs.c.body if dialect == "sqlite" else literal_column("messages.search_folded")


def _build(dialect: str, store_id: str, words: list[str], filters: SearchFilters,
           zone: str) -> tuple[Any, bool]:
    """The query for one backend and whether it reads only the newest messages."""
    indexed = [w for w in words if is_indexed(w)]
    short = [w for w in words if not is_indexed(w)]
    if not indexed:
        # No word the index can find: the newest messages passing the filters, then LIKE.
        recent = _filtered(
            select(Message.id).join(Conversation, Conversation.id == Message.conversation_id),
            store_id, filters, zone,
        ).where(Message.text != "").order_by(Message.created_at.desc()).limit(SHORT_SCAN_LIMIT)
        query = _base().where(Message.id.in_(recent.scalar_subquery()))
        if dialect == "sqlite":
            query = query.join(_docs, _docs.c.message_id == Message.id)
        query = query.where(*[_folded(dialect).like(like_pattern(w), escape="\\") for w in short])
        return query.order_by(Message.created_at.desc(), Message.id.desc()), True
    if dialect == "sqlite":
        # Driven by the FTS5 table in rowid order (the order messages were stored), newest
        # first, so a page stops as soon as it is full.
        query = (select(*_COLUMNS).select_from(_fts)
                 .join(_docs, _docs.c.id == literal_column("message_search.rowid"))
                 .join(Message, Message.id == _docs.c.message_id)
                 .join(Conversation, Conversation.id == Message.conversation_id)
                 .outerjoin(Staff, Staff.id == Message.staff_id)
                 .where(text("message_search MATCH :fts").bindparams(fts=fts5_query(words))))
        query = query.where(*[_docs.c.body.like(like_pattern(w), escape="\\") for w in short])
        query = _filtered(query, store_id, filters, zone)
        return query.order_by(literal_column("message_search.rowid").desc()), False
    condition = [_folded(dialect).like(like_pattern(w), escape="\\") for w in words]
    query = _filtered(_base().where(and_(*condition)), store_id, filters, zone)
    return query.order_by(Message.created_at.desc(), Message.id.desc()), False


async def search(session: AsyncSession, store_id: str, *, q: str, filters: SearchFilters,
                 page: int = 1, per_page: int = PAGE_SIZE) -> SearchPage:
    """A page of the store's messages holding every word of `q`, newest first."""
    words = words_of(q)
    if page > MAX_PAGE:
        raise ChatsError("bad_frame", "error.search_page", status=422, max=MAX_PAGE)
    await _check_filters(session, store_id, filters)
    zone = await session.scalar(select(Store.time_zone).where(Store.id == store_id)) or "UTC"
    dialect = session.get_bind().dialect.name
    query, bounded = _build(dialect, store_id, words, filters, zone)
    rows = (await session.execute(
        query.offset((page - 1) * per_page).limit(per_page + 1))).all()
    hits = [
        SearchHit(message_id=r[0], conversation_id=r[1], seq=r[2], author=r[3], staff_id=r[4],
                  staff_name=r[5], guest_id=r[6], nickname=r[7], status=str(r[8]),
                  created_at=r[9], snippet=highlight(r[10], words))
        for r in rows[:per_page]
    ]
    return SearchPage(hits=hits, page=page, has_more=len(rows) > per_page,
                      scan_limit=SHORT_SCAN_LIMIT if bounded else None)
