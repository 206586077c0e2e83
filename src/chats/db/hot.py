"""Statements of the hot path, built once and run with the least work per call.

A `HotStatement` wraps a SQLAlchemy Core statement written with `bindparam()`.
On PostgreSQL it runs through the connection as usual (the compiled form is
cached, the statement object is never rebuilt). On SQLite's synchronous driver
(the group-commit writer thread) it is compiled once to SQL text and run on the
raw `sqlite3` connection that the batch's transaction already holds: no
per-call compilation, cache-key generation or result wrapping, which were most
of the server's CPU per message (bench/README.md).

Name bind parameters of UPDATE statements (and of statements with DML CTEs)
unlike any column of the tables they change: on PostgreSQL SQLAlchemy also SETs
every parameter whose name matches a column.

Only plain values go through the SQLite path: str, int, float, bool, None and
timezone-aware datetimes, stored exactly as `chats.db.models.UTCDateTime` stores
them (naive UTC text). Results come back as tuples of raw values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy.engine import Connection
    from sqlalchemy.sql import Executable
    from sqlalchemy.sql.compiler import SQLCompiler
    from sqlalchemy.sql.expression import ClauseElement

# SQLAlchemy's SQLite DateTime storage format (microseconds always written).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def sqlite_value(value: Any) -> Any:
    """A bind value as SQLAlchemy's SQLite types would store it."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).strftime(SQLITE_DATETIME)
    if isinstance(value, bool):
        return int(value)
    return value


class HotStatement:
    """One statement, compiled once per dialect, executed with a parameter mapping."""

    def __init__(self, build: Callable[[str], Executable]) -> None:
        # `build(dialect_name)` returns the statement: ON CONFLICT clauses differ by dialect.
        self._build = build
        self._statements: dict[str, Executable] = {}
        self._sqlite: tuple[str, tuple[str, ...], dict[str, Any]] | None = None

    def statement(self, dialect: str) -> Executable:
        """The Core statement for a dialect (built on first use)."""
        stmt = self._statements.get(dialect)
        if stmt is None:
            stmt = self._statements[dialect] = self._build(dialect)
        return stmt

    def _sqlite_sql(self, conn: Connection) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        if self._sqlite is None:
            # Literal values in the statement keep their own bound value (`fixed`); write
            # IN lists as OR of equalities (an expanding IN would need rendering per call).
            statement = cast("ClauseElement", self.statement("sqlite"))
            compiled = cast("SQLCompiler", statement.compile(dialect=conn.dialect))
            order = tuple(compiled.positiontup or ())
            fixed = {name: sqlite_value(bind.value) for name, bind in compiled.binds.items()
                     if bind.value is not None}
            self._sqlite = (str(compiled), order, fixed)
        return self._sqlite

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute and return every row as a tuple (empty for none)."""
        dialect = conn.dialect.name
        if dialect == "sqlite" and conn.dialect.driver == "pysqlite":
            sql, order, fixed = self._sqlite_sql(conn)
            raw = conn.connection.driver_connection
            assert raw is not None
            values = [sqlite_value(params[name]) if name in params else fixed[name]
                      for name in order]
            cursor = raw.execute(sql, values)
            try:
                found: list[tuple[Any, ...]] = cursor.fetchall()
                return found
            finally:
                cursor.close()
        result = conn.execute(self.statement(dialect), dict(params))
        return [tuple(row) for row in result] if result.returns_rows else []

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Execute and return the first row, or None."""
        found = self.rows(conn, params)
        return found[0] if found else None
