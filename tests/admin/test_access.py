"""Every admin call: 401 without a session, 403 for an agent (issue 6, done-when)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.admin.pictures import picture

ID = "0" * 32
PNG = {"file": ("b.png", picture(100, 120), "image/png")}
STAMP = {"code": "nice", "label": "いいね"}
RANGE = "from=2025-01-01&to=2025-01-31&by=day"

# (method, path, request keyword arguments)
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/staff", {"json": {"login_id": "x1", "password": "long-enough-pw"}}),
    ("PATCH", f"/api/staff/{ID}", {"json": {"max_chats": 2}}),
    ("GET", "/api/admin/screen", {}),
    ("PUT", "/api/admin/buttons/away", {"files": PNG}),
    ("DELETE", "/api/admin/buttons/away", {}),
    ("PATCH", "/api/admin/theme", {"json": {"header_bg": "#000000"}}),
    ("PUT", "/api/admin/logo", {"files": PNG}),
    ("DELETE", "/api/admin/logo", {}),
    ("GET", "/api/admin/fields", {}),
    ("POST", "/api/admin/fields", {"json": {"label": "x"}}),
    ("PUT", "/api/admin/fields/order", {"json": {"ids": []}}),
    ("PATCH", f"/api/admin/fields/{ID}", {"json": {"label": "x"}}),
    ("DELETE", f"/api/admin/fields/{ID}", {}),
    ("GET", "/api/admin/stamps", {}),
    ("POST", "/api/admin/stamps", {"files": PNG, "data": STAMP}),
    ("PATCH", f"/api/admin/stamps/{ID}", {"json": {"active": False}}),
    ("PUT", f"/api/admin/stamps/{ID}/image", {"files": PNG}),
    ("DELETE", f"/api/admin/stamps/{ID}", {}),
    ("GET", f"/api/stats?{RANGE}", {}),
    ("GET", f"/api/stats.csv?{RANGE}", {}),
]
IDS = [f"{method} {path.split('?')[0]}" for method, path, _ in CALLS]


@pytest.mark.parametrize(("method", "path", "kwargs"), CALLS, ids=IDS)
async def test_without_session_is_401(anon: httpx.AsyncClient, method: str, path: str,
                                      kwargs: dict[str, Any]) -> None:
    r = await anon.request(method, path, **kwargs)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path", "kwargs"), CALLS, ids=IDS)
async def test_agent_is_403(agent: httpx.AsyncClient, method: str, path: str,
                            kwargs: dict[str, Any]) -> None:
    r = await agent.request(method, path, **kwargs)
    assert r.status_code == 403, r.text
    body = r.json()["error"]
    assert body["code"] == "forbidden"
    assert body["message"] == "管理者だけが行える操作です。"


async def test_admin_write_without_csrf_is_403(admin: httpx.AsyncClient) -> None:
    r = await admin.patch("/api/admin/theme", json={"header_bg": "#000000"},
                          headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    assert (await admin.get("/api/admin/screen")).json()["colours"]["header_bg"] is None
