"""Health, metrics, settings and the README's settings table."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from chats.config import Settings
from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import create_staff, create_store
from tests.servers import ThreadServer

ROOT = Path(__file__).resolve().parents[1]


METRICS_TOKEN = "metrics-token-for-tests-0123456789"


async def test_healthz_is_public_and_metrics_off_without_a_token(
        client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] is True and r.json()["broker"] is True
    m = await client.get("/metrics", headers={"Authorization": "Bearer anything-at-all-0123"})
    assert m.status_code == 404
    assert "chats_" not in m.text


def test_metrics_need_the_token(settings: Settings) -> None:
    server = ThreadServer(settings.model_copy(update={"metrics_token": METRICS_TOKEN})).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"},
                            {"Authorization": METRICS_TOKEN},
                            {"Authorization": f"Basic {METRICS_TOKEN}"}):
                r = c.get("/metrics", headers=headers)
                assert r.status_code == 401, headers
                assert r.json()["error"]["message"] == "メトリクスを読むにはトークンが必要です。"
            ok = c.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            assert ok.status_code == 200
            assert "chats_websockets_open" in ok.text
    finally:
        server.stop()


def test_short_metrics_token_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(metrics_token="short", _env_file=None)  # type: ignore[call-arg]


async def test_api_docs_are_for_signed_in_staff(client: httpx.AsyncClient,
                                                db: Database) -> None:
    paths = ["/api/openapi.json", "/api/docs", "/api/docs/init.js",
             "/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-ui.css"]
    for path in paths:
        r = await client.get(path)
        assert r.status_code == 401, path
        assert r.json()["error"]["code"] == "unauthorized"
    store = await create_store(db)
    agent = await create_staff(db, store_id=store.store_id, login_id="docs-agent")
    assert agent
    await login(client, "docs-agent")
    spec = (await client.get("/api/openapi.json")).json()
    assert "/api/auth/login" in spec["paths"]
    assert "/api/openapi.json" not in spec["paths"]
    page = await client.get("/api/docs")
    assert page.status_code == 200
    # Offline: the page and its start script name no other host.
    init = await client.get("/api/docs/init.js")
    for text in (page.text, init.text):
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert src.startswith("/api/docs/"), src
        asset = await client.get(src)
        assert asset.status_code == 200, src
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/api/docs/swagger-ui-bundle.js.map")).status_code == 404
    assert "script-src 'self'; style-src 'self';" in page.headers["content-security-policy"]


def test_readme_settings_table_is_complete() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `(CHATS_[A-Z_]+)` \|", readme, flags=re.M))
    expected = {f"CHATS_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected


def test_old_default_secret_refused_and_https_cookies_secure() -> None:
    with pytest.raises(ValidationError):
        Settings(public_url="https://chat.example.jp", secret_key="change-me-in-production",  # type: ignore[call-arg]
                 _env_file=None)
    ok = Settings(public_url="https://chat.example.jp", secret_key="s" * 32, _env_file=None)  # type: ignore[call-arg]
    assert ok.secure_cookies


def test_plain_urls_map_to_drivers() -> None:
    from chats.db.engine import async_url

    assert async_url("sqlite:///tmp/x.db").startswith("sqlite+aiosqlite:///")
    assert async_url("postgresql://u@h:5432/d").startswith("postgresql+asyncpg://u@h:5432/d")
