"""Health, metrics, settings and the README's settings table."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from chats.config import Settings

ROOT = Path(__file__).resolve().parents[1]


async def test_healthz_and_metrics(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] is True and r.json()["broker"] is True
    m = await client.get("/metrics")
    assert m.status_code == 200
    assert "chats_websockets_open" in m.text


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    assert "/api/auth/login" in spec["paths"]


def test_readme_settings_table_is_complete() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `(CHATS_[A-Z_]+)` \|", readme, flags=re.M))
    expected = {f"CHATS_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected


def test_default_secret_refused_on_https() -> None:
    with pytest.raises(ValidationError):
        Settings(public_url="https://chat.example.jp", _env_file=None)  # type: ignore[call-arg]
    ok = Settings(public_url="https://chat.example.jp", secret_key="s" * 32, _env_file=None)  # type: ignore[call-arg]
    assert ok.secure_cookies


def test_plain_urls_map_to_drivers() -> None:
    from chats.db.engine import async_url

    assert async_url("sqlite:///tmp/x.db").startswith("sqlite+aiosqlite:///")
    assert async_url("postgresql://u@h:5432/d").startswith("postgresql+asyncpg://u@h:5432/d")
