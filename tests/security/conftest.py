"""One server and one set of objects for the whole package: store A with staff, guests and a chat;
store B with its admin and a guest (the strangers)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from chats.config import Settings
from tests.conftest import SECRET
from tests.databases import REDIS_URL, PostgresDatabases, SqliteDatabases
from tests.security.world import World, build_world
from tests.servers import TEST_HASH_COST, ThreadServer


@pytest.fixture(scope="package")
def matrix_settings(database_templates: object,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of the package's server: its own database, data dir and Redis prefix."""
    folder = tmp_path_factory.mktemp("security")
    if isinstance(database_templates, PostgresDatabases):
        name = database_templates.new()
        url = database_templates.url_for(name)
    else:
        assert isinstance(database_templates, SqliteDatabases)
        name, url = "", database_templates.new_in(folder)
    yield Settings(
        database_url=url, redis_url=REDIS_URL, redis_prefix=f"t{uuid.uuid4().hex[:10]}",
        data_dir=Path(folder) / "data", secret_key=SECRET, presence_grace_seconds=0.5,
        log_json=True, log_level="WARNING", **TEST_HASH_COST,
        # The shared chats outlive their sockets: they must stay with agent A, offline.
        offline_release_seconds=3600,
        # Every scene's guests come from 127.0.0.1: the per-address budgets are tested in
        # tests/widget/test_bounds.py, not here.
        limit_starts_per_minute=100_000, limit_hellos_per_minute=100_000,
        limit_new_guests_per_hour=100_000, limit_visits_per_minute=100_000,
        limit_sends_per_minute=100_000, limit_typing_per_minute=100_000,
    )
    if isinstance(database_templates, PostgresDatabases):
        database_templates.release(name)


@pytest.fixture(scope="package")
def matrix_server(matrix_settings: Settings) -> Iterator[ThreadServer]:
    """A real CHATS server shared by the package's tests."""
    srv = ThreadServer(matrix_settings).start()
    yield srv
    srv.stop()


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def world(matrix_server: ThreadServer, matrix_settings: Settings) -> AsyncIterator[World]:
    """Both stores and their objects, made once through the real actions.

    Tests using it run on the package's event loop (`pytestmark` in each module), so its
    HTTP clients and database connection serve every test.
    """
    built = await build_world(matrix_server, matrix_settings)
    yield built
    await built.close()


class ErrorLog(logging.Handler):
    """Every record at error level or above that the server logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_error_log = ErrorLog()


@pytest.fixture
def server_errors() -> Callable[[], list[str]]:
    """What the (in-process) server has logged at error level since the test began.

    `create_app` resets the root logger's handlers, so the handler is put back each time.
    """
    root = logging.getLogger()
    if _error_log not in root.handlers:
        root.addHandler(_error_log)
    start = len(_error_log.records)
    return lambda: [f"{r.name}: {r.getMessage()}" for r in _error_log.records[start:]]
