"""Per-test databases: a fresh SQLite file, or a fresh PostgreSQL database from a template."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from chats.db.migrate import upgrade

PG_URL = os.environ.get("CHATS_TEST_DATABASE_URL") or None
REDIS_URL = os.environ.get("CHATS_TEST_REDIS_URL") or None
BACKEND = "postgresql+redis" if PG_URL else "sqlite"


class PostgresDatabases:
    """Creates `chats_t_<random>` databases from a migrated template, dropped afterwards."""

    def __init__(self, base_url: str) -> None:
        self.base = make_url(base_url)
        self.template = f"chats_tmpl_{os.getpid()}"

    def _run(self, *statements: str) -> None:
        import asyncio

        import asyncpg

        async def go() -> None:
            conn = await asyncpg.connect(
                host=self.base.host, port=self.base.port or 5432,
                user=self.base.username, password=self.base.password,
                database=self.base.database,
            )
            try:
                for stmt in statements:
                    await conn.execute(stmt)
            finally:
                await conn.close()

        asyncio.run(go())

    def url_for(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create_template(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.template}"',
                  f'CREATE DATABASE "{self.template}"')
        upgrade(self.url_for(self.template))

    def new(self) -> str:
        name = f"chats_t_{uuid.uuid4().hex[:12]}"
        self._run(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def drop(self, name: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_template(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


class SqliteDatabases:
    """Copies a migrated template file for each test."""

    def __init__(self, folder: Path) -> None:
        self.template = folder / "template.db"

    def create_template(self) -> None:
        upgrade(f"sqlite:///{self.template}")

    def new_in(self, folder: Path) -> str:
        target = folder / "chats.db"
        shutil.copy(self.template, target)
        return f"sqlite:///{target}"
