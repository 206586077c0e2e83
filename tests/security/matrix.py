"""The vocabulary of the authorization matrix: outcomes, requests, rows and their presets."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, WebSocketRoute

from chats.app import create_app
from chats.config import Settings
from chats.i18n import translate
from tests.security.world import (
    ADMIN_A,
    ADMIN_B,
    AGENT_A,
    ANONYMOUS,
    GUEST_A,
    GUEST_B,
    ROLES,
    World,
)

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by the framework for every GET route


@dataclass(frozen=True)
class Outcome:
    """What a role must get: the status, the error code for refusals, and extra checks."""

    status: int
    code: str | None = None  # the body's error code (refusals)
    own_only: bool = False  # a success that must show nothing of store A
    check: Callable[[httpx.Response, World, str], None] | None = None

    @property
    def refused(self) -> bool:
        return self.status >= 400

    def describe(self) -> str:
        return f"{self.status} {self.code or ''}".strip()


def ok(status: int = 200, check: Callable[[httpx.Response, World, str], None] | None = None
       ) -> Outcome:
    """A success with exactly this status."""
    return Outcome(status, check=check)


def own(status: int = 200) -> Outcome:
    """A success that concerns the caller's own store only (no id of store A in it)."""
    return Outcome(status, own_only=True)


def _says_admins_only(response: httpx.Response, _world: World, _role: str) -> None:
    assert response.json()["error"]["message"] == translate("error.admin_only", "ja")


OK = ok()
UNAUTHORIZED = Outcome(401, "unauthorized")
FORBIDDEN = Outcome(403, "forbidden")
ADMINS_ONLY = Outcome(403, "forbidden", check=_says_admins_only)
NOT_FOUND = Outcome(404, "not_found")


def staff_only(owner: Outcome = OK, *, foreign: Outcome = NOT_FOUND,
               agent: Outcome | None = None, admin: Outcome | None = None
               ) -> dict[str, Outcome]:
    """Any staff member of the object's store; strangers get `foreign` (not_found for ids)."""
    return {ANONYMOUS: UNAUTHORIZED, GUEST_A: UNAUTHORIZED, GUEST_B: UNAUTHORIZED,
            AGENT_A: agent or owner, ADMIN_A: admin or owner, ADMIN_B: foreign}


def admin_only(owner: Outcome = OK, *, foreign: Outcome = NOT_FOUND) -> dict[str, Outcome]:
    """Admins of the object's store; agents get 403, other stores `foreign`."""
    return staff_only(owner, foreign=foreign, agent=ADMINS_ONLY)


def everyone(outcome: Outcome = OK) -> dict[str, Outcome]:
    """The same answer whoever asks (public routes)."""
    return dict.fromkeys(ROLES, outcome)


@dataclass
class Req:
    """One request: path parameters fill the row's route template."""

    path_params: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    files: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    session: tuple[str, str] | None = None  # (cookie, csrf) instead of the role's own
    suffix: str = ""  # appended to the path (mounts)
    isolated: bool = False  # a client of its own: the answer's cookies must not stay


MakeReq = Callable[["Case"], Awaitable[Req]]


@dataclass(frozen=True)
class Row:
    """One route (or one variant of it), and what each role must get."""

    route: str  # "METHOD /path/{param}", "WS /path" or "MOUNT /path", as in app.routes
    expect: dict[str, Outcome]
    make: MakeReq | None = None  # builds the request (fresh objects); None: no parameters
    label: str = ""  # tells variants of one route apart
    optional: bool = False  # the route may be absent (the static build)
    # The roles actually called; only for rows whose answer cannot depend on the caller
    # and whose call would spoil the shared world for the others (a login drops the
    # caller's session).
    sample: tuple[str, ...] = ROLES

    @property
    def name(self) -> str:
        return f"{self.route} [{self.label}]" if self.label else self.route


@dataclass
class Case:
    """One role calling one row: the world, plus helpers that make fresh objects."""

    world: World
    role: str


async def no_params(_case: Case) -> Req:
    return Req()


def route_keys(settings: Settings) -> set[str]:
    """Every entry of the app's own route table, as "METHOD /path", "WS /path", "MOUNT /path"."""
    keys: set[str] = set()
    for route in iter_route_contexts(create_app(settings).routes):
        original = route.original_route
        if isinstance(original, WebSocketRoute):
            keys.add(f"WS {route.path}")
        elif isinstance(original, Mount):
            keys.add(f"MOUNT {route.path}")
        else:
            keys |= {f"{m} {route.path}" for m in (route.methods or set()) - IGNORED_METHODS}
    return keys


def error_code(response: httpx.Response) -> str | None:
    """The `error.code` of a JSON error body, else None."""
    try:
        body = response.json()
    except json.JSONDecodeError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None
