"""One uvicorn configuration (issue 15 item 5): `chats serve`, the demo, the tests' servers and
the bench's bare relay serve with the same socket options."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.relay import SOCKET_OPTIONS

from chats.config import Settings
from chats.db.engine import Database
from chats.serving import WS_MAX_SIZE, server_config
from tests import factories
from tests.conftest import fresh_database
from tests.servers import InProcessApp, ThreadServer


async def _app(scope: object, receive: object, send: object) -> None:
    """An ASGI app that is never called."""


def test_the_configuration_of_chats_serve() -> None:
    config = server_config(_app, host="127.0.0.1", port=8123)
    assert (config.host, config.port, config.lifespan) == ("127.0.0.1", 8123, "on")
    # X-Forwarded-For is read by CHATS_TRUSTED_PROXIES alone, never by uvicorn.
    assert config.proxy_headers is False
    assert config.ws_max_size == WS_MAX_SIZE > 64 * 1024
    assert config.log_config is None


def test_the_bench_baseline_serves_with_the_same_socket_options() -> None:
    config = server_config(_app, host="127.0.0.1", port=8123)
    assert {key: getattr(config, key) for key in SOCKET_OPTIONS} == SOCKET_OPTIONS


async def test_the_in_process_app_answers_as_the_real_server(settings: Settings) -> None:
    """What plain HTTP tests reach in-process is what a socket reaches: same status, headers
    (but uvicorn's own `date` and `server`) and body, refusals and cookies included."""
    real = ThreadServer(settings).start()
    try:
        async with InProcessApp(settings) as local, real.client() as a, local.client() as b:
            for method, path, body in [("GET", "/healthz", None), ("GET", "/api/auth/me", None),
                                       ("GET", "/no-such-page", None),
                                       ("POST", "/api/auth/login", {"login_id": "x"}),
                                       ("POST", "/api/auth/login",
                                        {"login_id": "nobody", "password": "wrong-password"})]:
                ra = await a.request(method, path, json=body)
                rb = await b.request(method, path, json=body)
                assert ra.status_code == rb.status_code, path
                assert set(ra.headers) - {"date", "server"} == set(rb.headers), path
                assert ra.headers["content-type"] == rb.headers["content-type"], path
                assert ra.content == rb.content, path
    finally:
        real.stop()


@pytest.fixture
def other_database_url(database_templates: object, tmp_path: Path) -> Iterator[str]:
    """A second fresh database beside the test's own."""
    folder = tmp_path / "other"
    folder.mkdir()
    with fresh_database(database_templates, folder) as url:
        yield url


async def test_apps_of_one_process_share_routes_but_not_state(
        settings: Settings, db: Database, other_database_url: str, tmp_path: Path) -> None:
    """`create_app` hands every app of a process the same prepared routes (chats.app); each
    app still answers from its own settings and database."""
    store = await factories.create_store(db)
    other = settings.model_copy(update={"database_url": other_database_url,
                                        "data_dir": tmp_path / "other" / "data"})
    async with InProcessApp(settings) as a, InProcessApp(other) as b, \
            a.client() as in_a, b.client() as in_b:
        login = {"login_id": store.admin_login, "password": factories.PASSWORD}
        assert (await in_a.post("/api/auth/login", json=login)).status_code == 200
        assert (await in_b.post("/api/auth/login", json=login)).status_code == 401
        assert (await in_a.get("/api/auth/me")).json()["staff"]["id"] == store.admin_id
        assert (await in_b.get("/api/auth/me")).status_code == 401
