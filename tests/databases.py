"""Per-test databases: a fresh SQLite file, or a fresh PostgreSQL database from a template."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from chats.db.migrate import upgrade
from chats.db.models import Base

PG_URL = os.environ.get("CHATS_TEST_DATABASE_URL") or None
REDIS_URL = os.environ.get("CHATS_TEST_REDIS_URL") or None
BACKEND = "postgresql+redis" if PG_URL else "sqlite"


class PostgresDatabases:
    """`chats_t_<random>` databases made from a migrated template, emptied and reused.

    A test's database is emptied when the test ends (every row deleted: what the template
    holds, since no migration writes rows and no table has a sequence) and handed to the
    next test of this process. Dropping it instead would cost a checkpoint each time:
    PostgreSQL's DROP DATABASE forces one, and on a disk with slow fsync a suite of
    databases dropped one per test waits on them more than it tests. DELETE, not TRUNCATE:
    a test leaves a few rows, which DELETE removes in about 5 ms for all the tables, while
    TRUNCATE gives every table and index new files, about 90 ms even when they are empty.
    """

    def __init__(self, base_url: str) -> None:
        self.base = make_url(base_url)
        self.template = f"chats_tmpl_{os.getpid()}"
        self._free: list[str] = []
        self._made: set[str] = set()
        self._tables: list[str] = []
        self._head: str | None = None

    def _run(self, *statements: str, database: str | None = None) -> list[list[object]]:
        """Run the statements in one connection; the rows of the last one."""
        import asyncio

        import asyncpg

        async def go() -> list[list[object]]:
            conn = await asyncpg.connect(
                host=self.base.host, port=self.base.port or 5432,
                user=self.base.username, password=self.base.password,
                database=database or self.base.database,
            )
            rows: list[list[object]] = []
            try:
                for stmt in statements:
                    rows = [list(r) for r in await conn.fetch(stmt)]
            finally:
                await conn.close()
            return rows

        return asyncio.run(go())

    def url_for(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create_template(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.template}"',
                  f'CREATE DATABASE "{self.template}"')
        upgrade(self.url_for(self.template))
        tables = [str(r[0]) for r in self._run(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version' ORDER BY tablename", database=self.template)]
        # Emptied in this order: a table before those its rows refer to.
        rank = {t.name: n for n, t in enumerate(reversed(Base.metadata.sorted_tables))}
        self._tables = sorted(tables, key=lambda t: rank.get(t, -1))
        self._head = str(self._run("SELECT version_num FROM alembic_version",
                                   database=self.template)[0][0])

    def new(self) -> str:
        """An empty, migrated database: one a finished test gave back, or a new copy."""
        if self._free:
            return self._free.pop()
        name = f"chats_t_{uuid.uuid4().hex[:12]}"
        self._run(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"',
                  # A commit is visible to every session at once either way; only a crash
                  # of PostgreSQL itself (never part of a test) could lose the last ones.
                  # Waiting for each commit's fsync cost the suite ~3 ms a commit here.
                  f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self._made.add(name)
        return name

    def release(self, name: str) -> None:
        """The test is done with it: empty it for the next one (dropped if that fails)."""
        try:
            rows = self._run(
                # Servers a test killed may leave sessions behind; they would hold locks.
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()",
                "SET lock_timeout = '10s'",
                *(f'DELETE FROM "{t}"' for t in self._tables),
                "SELECT version_num FROM alembic_version",
                database=name)
        except Exception:  # whatever went wrong, a new copy is made instead
            self.drop(name)
            return
        if [[self._head]] != rows:
            self.drop(name)
            return
        self._free.append(name)

    def drop(self, name: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._made.discard(name)

    def drop_all(self) -> None:
        """Drop every database this process made, and the template."""
        for name in list(self._made):
            self.drop(name)
        self._free.clear()
        self._run(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


class SqliteDatabases:
    """Copies a migrated template file for each test."""

    def __init__(self, folder: Path) -> None:
        self.template = folder / "template.db"

    def create_template(self) -> None:
        upgrade(f"sqlite:///{self.template}")
        # The copies are of this one file: everything in it, nothing left in a -wal beside.
        conn = sqlite3.connect(self.template)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def new_in(self, folder: Path) -> str:
        target = folder / "chats.db"
        shutil.copy(self.template, target)
        return f"sqlite:///{target}"
