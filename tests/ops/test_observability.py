"""Request ids, the access log, HTTP metrics by route template, liveness and readiness."""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.responses import PlainTextResponse

from chats.config import Settings
from chats.db.engine import Database
from tests.databases import PG_URL
from tests.factories import create_store
from tests.servers import ProcessServer, ThreadServer, env_for, free_port, http_client, wait_for

TOKEN = "metrics-token-for-tests-0123456789"


async def test_access_log_and_metrics_name_the_route_and_carry_the_request_id(
        settings: Settings, db: Database, tmp_path: Path) -> None:
    store = await create_store(db)
    env = {**env_for(settings), "CHATS_LOG_LEVEL": "INFO", "CHATS_METRICS_TOKEN": TOKEN}
    log_path = tmp_path / "server.log"
    srv = ProcessServer(env=env, log_path=log_path).start()
    secret = uuid.uuid4().hex
    try:
        async with http_client(base_url=srv.url, timeout=10) as c:
            mine = await c.get(f"/api/conversations/{secret}/messages",
                               headers={"X-Request-ID": "shop-req-42"})
            assert mine.status_code == 401
            assert mine.headers["x-request-id"] == "shop-req-42"
            # An id that is no plain short token is replaced by the server's own.
            theirs = await c.get("/livez", headers={"X-Request-ID": "a b" * 40})
            assert theirs.status_code == 200 and theirs.json() == {"status": "ok"}
            assert re.fullmatch(r"[0-9a-f]{32}", theirs.headers["x-request-id"])
            ready = await c.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"status": "ok", "database": True, "broker": True}
            panel = await c.get(f"/widget/panel?key={store.widget_key}&token={secret}")
            assert panel.status_code == 200
            await c.get(f"/no/such/{secret}")
            metrics = (await c.get("/metrics",
                                   headers={"Authorization": f"Bearer {TOKEN}"})).text
    finally:
        srv.stop()
    route = "/api/conversations/{conversation_id}/messages"
    assert (f'chats_http_requests_total{{method="GET",route="{route}",status="401"}} 1.0'
            in metrics)
    assert (f'chats_http_request_seconds_count{{method="GET",route="{route}",status="401"}} 1.0'
            in metrics)
    assert 'route="(unmatched)",status="404"' in metrics
    assert secret not in metrics
    lines = [json.loads(line) for line in log_path.read_text().splitlines()
             if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "chats.access"]
    first = next(line for line in access if line.get("request_id") == "shop-req-42")
    assert first["route"] == route and first["method"] == "GET" and first["status"] == 401
    assert isinstance(first["duration_ms"], float)
    assert any(line["route"] == "/widget/panel" and line["status"] == 200 for line in access)
    # No raw path, no query string, and uvicorn's own access line is gone.
    assert secret not in log_path.read_text()
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]


def test_every_log_line_of_a_request_carries_its_id(
        server: ThreadServer, caplog: pytest.LogCaptureFixture) -> None:
    def handler() -> PlainTextResponse:
        logging.getLogger("chats.somewhere").warning("inside the request")
        return PlainTextResponse("ok")

    server.app.router.routes.insert(0, APIRoute("/_test/log", handler))
    caplog.set_level(logging.INFO)
    with httpx.Client(base_url=server.url, timeout=10) as c:
        r = c.get("/_test/log")
    request_id = r.headers["x-request-id"]
    inside = [rec for rec in caplog.records if rec.getMessage() == "inside the request"]
    assert [getattr(rec, "request_id", None) for rec in inside] == [request_id]
    access = [rec for rec in caplog.records if rec.name == "chats.access"]
    assert [getattr(rec, "request_id", None) for rec in access] == [request_id]
    # Outside a request a record has no id.
    logging.getLogger("chats.somewhere").warning("outside")
    outside = [rec for rec in caplog.records if rec.getMessage() == "outside"]
    assert not hasattr(outside[0], "request_id")


def test_the_grafana_dashboard_uses_only_metrics_that_exist() -> None:
    from chats.metrics import Metrics

    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}
    exposed = {family.name + suffix for family in Metrics().registry.collect()
               for suffix in suffixes[family.type]}
    assert {"chats_http_requests_total", "chats_http_request_seconds_bucket"} <= exposed
    dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json")
                           .read_text("utf-8"))
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"\bchats_[a-z_]+", target["expr"])}
    assert len(used) >= 8 and used <= exposed, used - exposed


class _OwnRedis:
    """A redis-server of this test's own on a free port, to stop and start again."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.mark.skipif(not PG_URL or shutil.which("redis-server") is None,
                    reason="readiness of the broker: PostgreSQL + Redis runs only")
async def test_readiness_fails_while_the_broker_is_down_and_recovers(
        settings: Settings, tmp_path: Path) -> None:
    redis = _OwnRedis(tmp_path)
    redis.start()
    env = {**env_for(settings), "CHATS_REDIS_URL": redis.url}
    srv: ProcessServer | None = None
    try:
        await wait_for(lambda: _listening(redis.port), timeout=10)
        srv = ProcessServer(env=env, log_path=tmp_path / "server.log").start()
        async with http_client(base_url=srv.url, timeout=10) as c:
            assert (await c.get("/readyz")).json() == {
                "status": "ok", "database": True, "broker": True}
            redis.stop()
            await wait_for(answers_with(c, 503), timeout=15)
            down = await c.get("/readyz")
            assert down.json() == {"status": "fail", "database": True, "broker": False}
            assert (await c.get("/livez")).status_code == 200  # alive: not to be restarted
            redis.start()
            await wait_for(answers_with(c, 200), timeout=15)
    finally:
        if srv is not None:
            srv.stop()
        redis.stop()


def answers_with(client: httpx.AsyncClient, status: int) -> Callable[[], Awaitable[bool]]:
    """A predicate: /readyz answers `status`."""
    async def check() -> bool:
        return (await client.get("/readyz")).status_code == status
    return check


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
