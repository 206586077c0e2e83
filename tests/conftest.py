"""Fixtures: per-test settings and database, the app in-process or on a real port, factories.

`client` and `web` reach the app in-process (httpx's ASGI transport) unless the test also takes
`server`: then they talk to that real server, so that HTTP calls and sockets share one app
(with SQLite and the in-memory broker, only one app instance sees the other's events).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from chats.config import Settings
from chats.db.engine import Database
from tests.databases import BACKEND, PG_URL, REDIS_URL, PostgresDatabases, SqliteDatabases
from tests.servers import TEST_HASH_COST, InProcessApp, ProcessServer, Site, ThreadServer, env_for

SECRET = "test-secret-key-not-for-production"

# Property tests check what holds, not how fast: a per-example deadline fails them at
# random on a loaded machine (CI runs two suites side by side on two cores).
hypothesis_settings.register_profile("chats", deadline=None)
hypothesis_settings.load_profile("chats")


def pytest_report_header() -> str:
    return f"chats backend: {BACKEND}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests first, the rest in their usual order.

    The browser tests take about half of the suite's time at a few seconds each; handed out
    first and in small chunks (the Makefile's `--maxschedchunk`), they spread over all the
    workers, and the many short tests after them even out the end of the run.
    """
    items.sort(key=lambda item: 0 if item.get_closest_marker("e2e") else 1)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Migrate once per run; each test gets a copy."""
    if PG_URL:
        pg = PostgresDatabases(PG_URL)
        pg.create_template()
        yield pg
        pg.drop_all()
    else:
        sq = SqliteDatabases(tmp_path_factory.mktemp("template"))
        sq.create_template()
        yield sq


@contextmanager
def fresh_database(templates: object, folder: Path) -> Iterator[str]:
    """A fresh, migrated database (a SQLite file in `folder`) and its URL, given back after."""
    if isinstance(templates, PostgresDatabases):
        name = templates.new()
        yield templates.url_for(name)
        templates.release(name)
    else:
        assert isinstance(templates, SqliteDatabases)
        yield templates.new_in(folder)


@pytest.fixture
def database_url(database_templates: object, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test."""
    with fresh_database(database_templates, tmp_path) as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings of this test's server: its own data dir, database and Redis prefix."""
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        redis_prefix=f"t{uuid.uuid4().hex[:10]}",
        data_dir=tmp_path / "data",
        secret_key=SECRET,
        presence_grace_seconds=0.5,
        log_json=True,
        log_level="WARNING",
        **TEST_HASH_COST,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The test's own connection to the server's database (for factories and checks)."""
    database = Database(settings.effective_database_url)
    yield database
    await database.dispose()


@pytest.fixture
def server(settings: Settings) -> Iterator[ThreadServer]:
    """A real CHATS server on a free port."""
    srv = ThreadServer(settings).start()
    yield srv
    srv.stop()


@pytest.fixture
def pair(settings: Settings, tmp_path: Path) -> Iterator[tuple[ProcessServer, ProcessServer]]:
    """Two `chats serve` processes on the same database and broker."""
    a = ProcessServer(env=env_for(settings), log_path=tmp_path / "a.log").start()
    b = ProcessServer(env=env_for(settings), log_path=tmp_path / "b.log").start()
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
async def web(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Site]:
    """Where this test's HTTP calls go: the `server` if the test takes it, else the app
    in-process."""
    if "server" in request.fixturenames:
        yield request.getfixturevalue("server")
        return
    async with InProcessApp(settings) as app:
        yield app


@pytest.fixture
async def client(web: Site) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app (keeps cookies): in-process, or the `server` the test takes."""
    async with web.client() as c:
        yield c
