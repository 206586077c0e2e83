"""The message search index's database side (issue 19; docs/decisions/0013-message-search.md).

SQLite: `message_search_docs` holds the folded copy of each message's text (its
INTEGER PRIMARY KEY is the FTS5 rowid, stable across VACUUM), `message_search` is an
FTS5 table with the `trigram` tokenizer whose external content is that table. Triggers
keep both in step with `messages` in the statement that changes it: the insert trigger
calls `chats_search_key()`, the Python fold every connection registers on connect
(`register_sqlite_functions`); deletes need no function (the folded text is kept).

PostgreSQL: `chats_search_key(text)`, an IMMUTABLE SQL function doing the same
folding; `messages.search_folded`, a stored generated column computed by it (in the
INSERT itself: no round trip), not declared in the models; a GIN `pg_trgm` index on
it. Stored rather than an expression index so that the index's recheck of each
candidate row is a plain LIKE, not the fold evaluated again.
"""

from __future__ import annotations

from typing import Any, Final

from chats.domain.search import fold, sql_fold_tables

SQLITE_FUNCTION: Final = "chats_search_key"  # the name the statements below call


def _fold(text: object) -> str | None:
    return fold(text) if isinstance(text, str) else None


def register_sqlite_functions(dbapi_conn: Any) -> None:
    """Give a SQLite connection the fold the search triggers call (deterministic)."""
    # sqlite3's connection, or SQLAlchemy's adapter of aiosqlite, which forwards the call.
    dbapi_conn.create_function(SQLITE_FUNCTION, 1, _fold, deterministic=True)


SQLITE_CREATE: Final = (
    "CREATE TABLE message_search_docs ("
    " id INTEGER PRIMARY KEY,"
    " message_id VARCHAR(32) NOT NULL UNIQUE,"
    " body TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE message_search USING fts5("
    "body, content='message_search_docs', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER message_search_docs_ai AFTER INSERT ON message_search_docs BEGIN"
    " INSERT INTO message_search(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER message_search_docs_ad AFTER DELETE ON message_search_docs BEGIN"
    " INSERT INTO message_search(message_search, rowid, body)"
    " VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_search_ai AFTER INSERT ON messages WHEN new.text <> '' BEGIN"
    " INSERT INTO message_search_docs(message_id, body)"
    " VALUES (new.id, chats_search_key(new.text)); END",
    "CREATE TRIGGER messages_search_ad AFTER DELETE ON messages BEGIN"
    " DELETE FROM message_search_docs WHERE message_id = old.id; END",
    "CREATE TRIGGER messages_search_au AFTER UPDATE OF text ON messages BEGIN"
    " DELETE FROM message_search_docs WHERE message_id = old.id;"
    " INSERT INTO message_search_docs(message_id, body)"
    " SELECT new.id, chats_search_key(new.text) WHERE new.text <> ''; END",
)
SQLITE_BACKFILL: Final = (
    "INSERT INTO message_search_docs(message_id, body)"
    " SELECT id, chats_search_key(text) FROM messages WHERE text <> ''"
    " ORDER BY created_at, rowid"
)
SQLITE_DROP: Final = (
    "DROP TRIGGER IF EXISTS messages_search_au",
    "DROP TRIGGER IF EXISTS messages_search_ad",
    "DROP TRIGGER IF EXISTS messages_search_ai",
    "DROP TRIGGER IF EXISTS message_search_docs_ad",
    "DROP TRIGGER IF EXISTS message_search_docs_ai",
    "DROP TABLE IF EXISTS message_search",
    "DROP TABLE IF EXISTS message_search_docs",
)
# Tables the models do not declare (the schema comparison leaves them out).
SQLITE_TABLES: Final = ("message_search_docs", "message_search")


POSTGRES_INDEX: Final = "ix_messages_search"
POSTGRES_COLUMN: Final = "search_folded"


def postgres_create() -> tuple[str, ...]:
    """The extension, the folding function and the expression index."""
    kata, hira = sql_fold_tables()
    return (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE OR REPLACE FUNCTION chats_search_key(t text) RETURNS text"
        " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$"
        " SELECT translate(normalize(lower(normalize(t, NFKC)), NFKC),"
        f" '{kata}', '{hira}') $$",
        f"ALTER TABLE messages ADD COLUMN {POSTGRES_COLUMN} text"
        " GENERATED ALWAYS AS (chats_search_key(text)) STORED",
        f"CREATE INDEX {POSTGRES_INDEX} ON messages USING gin ({POSTGRES_COLUMN} gin_trgm_ops)",
    )


POSTGRES_DROP: Final = (
    "DROP INDEX IF EXISTS ix_messages_search",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search_folded",
    "DROP FUNCTION IF EXISTS chats_search_key(text)",
)


def outside_search_index(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic `include_name`: False for the search index's tables (SQLite: with FTS5's
    shadow tables) and PostgreSQL expression index, which the models do not declare."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SQLITE_TABLES)
    if type_ == "column":
        return name != POSTGRES_COLUMN
    return not (type_ == "index" and name == POSTGRES_INDEX)
