"""Helpers for HTTP tests: log in and keep the CSRF token."""

from __future__ import annotations

import httpx

from tests.factories import PASSWORD


async def login(client: httpx.AsyncClient, login_id: str, password: str = PASSWORD) -> str:
    """Log in; the client keeps the cookie; returns the CSRF token."""
    r = await client.post("/api/auth/login", json={"login_id": login_id, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token
