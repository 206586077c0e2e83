"""Who may call the REST API: every /api/v1 route × every kind of API token (issue 17).

A token of store A reads and (with the write scope) changes store A only; store B's token
gets 404 for A's ids, which are public, and lists nothing of A; a read token cannot write;
a revoked token is refused at once; a token presented as a cookie or in the query string
is refused. And no API token opens any route of the console or the admin menu.

Add a row here for each new /api/v1 route (test_every_v1_route_has_a_row fails until then).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.security.api_makers import (
    COOKIE_A,
    QUERY_A,
    READ_A,
    REVOKED_A,
    WRITE_A,
    WRITE_B,
    conversations_of_a,
    v1_conversation_a,
    v1_end,
    v1_guest_a,
    v1_guest_a_notes,
)
from tests.security.matrix import (
    FORBIDDEN,
    NOT_FOUND,
    OK,
    UNAUTHORIZED,
    Case,
    MakeReq,
    Outcome,
    Req,
    no_params,
    own,
    route_keys,
)
from tests.security.test_routes import ROWS
from tests.security.world import ADMIN_A, ADMIN_B, ANONYMOUS, World, fingerprint
from tests.servers import http_client

TOKEN_ROLES = (READ_A, WRITE_A, WRITE_B, REVOKED_A, COOKIE_A, QUERY_A)
QUERY_NAMES = ("access_token", "token", "api_token", "bearer")


@dataclass(frozen=True)
class TokenRow:
    route: str
    expect: dict[str, Outcome]
    make: MakeReq | None = None


def tokens(owner: Outcome = OK, *, read: Outcome | None = None,
           foreign: Outcome = NOT_FOUND) -> dict[str, Outcome]:
    """Store A's tokens get `owner` (a read token `read`), B's `foreign`, the rest 401."""
    return {READ_A: read or owner, WRITE_A: owner, WRITE_B: foreign,
            REVOKED_A: UNAUTHORIZED, COOKIE_A: UNAUTHORIZED, QUERY_A: UNAUTHORIZED}


READS = tokens(OK)
WRITES = tokens(OK, read=FORBIDDEN)
LISTS = tokens(OK, foreign=own())

TOKEN_ROWS = [
    TokenRow("GET /api/v1/conversations", LISTS, conversations_of_a),
    TokenRow("GET /api/v1/conversations/{conversation_id}", READS, v1_conversation_a),
    TokenRow("GET /api/v1/conversations/{conversation_id}/messages", READS, v1_conversation_a),
    TokenRow("POST /api/v1/conversations/{conversation_id}/end", WRITES, v1_end),
    TokenRow("GET /api/v1/guests", LISTS),
    TokenRow("GET /api/v1/guests/{guest_id}", READS, v1_guest_a),
    TokenRow("PATCH /api/v1/guests/{guest_id}", WRITES, v1_guest_a_notes),
]
CASES = [(row, role) for row in TOKEN_ROWS for role in TOKEN_ROLES]


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def secrets(world: World) -> dict[str, str]:
    """One token of each kind, made through the admin API of its store."""
    async def make(admin: str, scope: str) -> dict[str, Any]:
        r = await world.client(admin).post("/api/admin/tokens",
                                           json={"name": f"matrix {scope}", "scope": scope})
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    revoked = await make(ADMIN_A, "write")
    r = await world.client(ADMIN_A).post(f"/api/admin/tokens/{revoked['id']}/revoke")
    assert r.status_code == 200, r.text
    write_a = (await make(ADMIN_A, "write"))["token"]
    return {READ_A: (await make(ADMIN_A, "read"))["token"], WRITE_A: write_a,
            WRITE_B: (await make(ADMIN_B, "write"))["token"], REVOKED_A: revoked["token"],
            COOKIE_A: write_a, QUERY_A: write_a}


def test_every_v1_route_has_a_row(matrix_settings: Any) -> None:
    v1 = {r for r in route_keys(matrix_settings) if " /api/v1/" in r}
    assert v1 == {row.route for row in TOKEN_ROWS}


async def _call(world: World, route: str, req: Req, role: str,
                secrets: dict[str, str]) -> httpx.Response:
    method, template = route.split(" ", 1)
    path = template.format(**req.path_params)
    params = dict(req.params)
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if role == COOKIE_A:
        cookies = {"chats_session": secrets[role], "chats_api_token": secrets[role],
                   "Authorization": f"Bearer {secrets[role]}"}
    elif role == QUERY_A:
        params |= dict.fromkeys(QUERY_NAMES, secrets[role])
    elif role in secrets:
        headers["Authorization"] = f"Bearer {secrets[role]}"
    async with http_client(base_url=world.url, timeout=10, cookies=cookies) as c:
        return await c.request(method, path, params=params or None, json=req.json,
                               headers=headers)


@pytest.mark.asyncio(loop_scope="package")
@pytest.mark.parametrize(("row", "role"), CASES,
                         ids=[f"{row.route} | {role}" for row, role in CASES])
async def test_token_matrix(world: World, secrets: dict[str, str], row: TokenRow, role: str,
                            server_errors: Callable[[], list[str]]) -> None:
    req = await (row.make or no_params)(Case(world, role))
    expected = row.expect[role]
    db = world.database()
    before = await fingerprint(db) if expected.refused else ""
    response = await _call(world, row.route, req, role, secrets)
    assert response.status_code == expected.status, response.text[:500]
    if expected.code is not None:
        assert response.json()["error"]["code"] == expected.code
    if expected.own_only:
        leaked = [i for i in world.a_ids if i in response.text]
        assert not leaked, f"store A's ids in another store's answer: {leaked}"
    if expected.refused:
        assert await fingerprint(db) == before, "a refused call changed stored data"
    assert server_errors() == []


STAFF_ROWS = [row for row in ROWS
              if row.expect[ANONYMOUS] == UNAUTHORIZED and " /api/v1/" not in row.route
              and not row.route.startswith(("WS ", "MOUNT "))]


@pytest.mark.asyncio(loop_scope="package")
@pytest.mark.parametrize("row", STAFF_ROWS, ids=[row.name for row in STAFF_ROWS])
async def test_no_token_opens_a_staff_route(world: World, secrets: dict[str, str],
                                            row: Any,
                                            server_errors: Callable[[], list[str]]) -> None:
    """The console's and the admin menu's routes take a session, never an API token."""
    req = await (row.make or no_params)(Case(world, ANONYMOUS))
    method, template = row.route.split(" ", 1)
    db = world.database()
    before = await fingerprint(db)
    async with http_client(base_url=world.url, timeout=10) as c:
        response = await c.request(
            method, template.format(**req.path_params), params=req.params or None,
            json=req.json, files=req.files, data=req.data,
            headers={"Authorization": f"Bearer {secrets[WRITE_A]}",
                     "X-CSRF-Token": secrets[WRITE_A]})
    assert response.status_code == 401, response.text[:300]
    assert await fingerprint(db) == before
    assert server_errors() == []
