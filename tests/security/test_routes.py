"""Who may call which route: every entry of `app.routes` × every role (issue 12, item 2).

How to add a row (a new route fails `test_every_route_has_a_row` until you do):

    Row("PATCH /api/things/{thing_id}",          # exactly as in app.routes
        staff_only(OK),                          # or admin_only(...), everyone(...), a dict
        make=thing_a),                           # async (Case) -> Req: its ids and body

- The route string is "METHOD /path" with the template's own `{param}` names, or
  "WS /path" for sockets and "MOUNT /path" for mounts.
- `expect` maps each role of `world.ROLES` to an Outcome. Presets: `staff_only(owner,
  foreign=…, agent=…)`, `admin_only(owner, foreign=…)`, `everyone(outcome)`. Outcomes:
  `OK`, `ok(201)`, `own(200)` (a success about the caller's own store: no id of store A
  may appear in it), `UNAUTHORIZED`, `FORBIDDEN`, `NOT_FOUND`, `Outcome(409, "conflict")`.
  A route that names an object must be called with store A's ids: `foreign` stays
  NOT_FOUND, so another store's id answers exactly like a missing one.
- `make` (in makers.py) creates what the call needs through the real API (fresh objects
  when the owner's call destroys them) and returns the path parameters and body, as
  `Req(path_params, params=, json=, files=, data=)`. Omit it for none; `simple(json=…)`
  for a body without objects.
- `sample=(…roles)` calls only those roles, for a row whose answer cannot depend on the
  caller and whose call would spoil the shared world (a login drops the caller's session).
- A route anonymous callers may use (anything but 401 for ANONYMOUS) must be listed in
  PUBLIC with the reason it is safe.
Every refused call must also leave the watched tables exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chats.api.pages import STATIC
from chats.config import Settings
from chats.db.models import MailOutbox
from tests.admin.pictures import picture
from tests.factories import PASSWORD
from tests.security.api_makers import (
    conversations_of_a,
    failed_delivery,
    fresh_token,
    fresh_webhook,
    new_token,
    new_webhook,
    v1_conversation_a,
    v1_end,
    v1_guest_a,
    v1_guest_a_notes,
    webhook_patch,
)
from tests.security.makers import (
    a_static_file,
    agents_canned,
    away_button,
    chat_file,
    conversation_a,
    conversation_a_transcript,
    failed_mail,
    field_order,
    fresh_field,
    fresh_guest_a,
    fresh_stamp,
    guest_a,
    guest_a2_reply,
    guest_a_notes,
    key_a,
    link_a,
    link_on_b,
    link_other_guest,
    linked_to_a,
    new_staff,
    new_stamp,
    own_fresh_session,
    postal_on_a,
    postal_on_unknown_key,
    put_button,
    right_login,
    same_guest_only,
    simple,
    simple_path,
    sound_off,
    staff_a2,
    staff_a2_only,
    stamp_off,
    stamp_picture,
    status_a,
    status_post_a,
    store_canned,
    unknown_key,
    unknown_upload,
    unread_of_own_guest,
    upload_a,
    visit_a,
    wrong_login,
)
from tests.security.matrix import (
    FORBIDDEN,
    NOT_FOUND,
    OK,
    UNAUTHORIZED,
    Case,
    Outcome,
    Req,
    Row,
    admin_only,
    error_code,
    everyone,
    no_params,
    ok,
    own,
    route_keys,
    staff_only,
)
from tests.security.world import (
    ADMIN_A,
    AGENT_A,
    ANONYMOUS,
    GUEST_A,
    GUEST_B,
    ROLES,
    STAFF_ROLES,
    World,
    fingerprint,
)
from tests.servers import wait_for

RANGE = {"from": "2025-01-01", "to": "2025-01-31", "by": "day"}
CONFLICT = Outcome(409, "conflict")

# Routes anyone may call, and why that is safe.
PUBLIC = {
    "POST /api/auth/login": "logging in is how a session starts; throttled",
    "GET /api/widget/{key}/config": "the widget key is public: it is in every shop page",
    "GET /api/widget/{key}/postal-codes": "Japan Post's public data; budgeted per address",
    "GET /api/widget/{key}/status": "the key is public; a guest's unread count needs its token",
    "POST /api/widget/{key}/status": "as the GET, with the token in the body, not the URL",
    "POST /api/widget/{key}/visit": "the key is public; a foreign token makes a new guest",
    "POST /api/widget/{key}/mail-link": "the signed link is the capability; checked per store",
    "GET /files/{upload_id}": "the 128-bit random id is the capability",
    "WS /ws/guest": "anyone may chat; hello names the store by its public key",
    "GET /": "a redirect to the console",
    "GET /console/": "the console's page shell; its data needs a session",
    "GET /admin/": "the admin menu's page shell; its data needs an admin session",
    "GET /widget/panel": "the guest panel's page shell",
    "GET /widget.js": "the loader every shop page includes",
    "MOUNT /static": "the built front end",
    "GET /healthz": "load balancers probe it; it tells only up or down",
    "GET /livez": "process supervisors probe it; it tells only that the process answers",
    "GET /readyz": "load balancers probe it; it tells only whether database and broker answer",
    "GET /metrics": "answers only with CHATS_METRICS_TOKEN (404 while it is unset)",
}


STAFF_ANSWER = staff_only(OK, foreign=own())


async def search_guest_a(case: Case) -> Req:
    return Req({}, params={"q": "こんにちは", "guest_id": case.world.guests[GUEST_A].guest_id})

ADMIN_ANSWER = admin_only(OK, foreign=own())
HOURS = {"enabled": False, "time_zone": "Asia/Tokyo", "holidays_closed": True,
         "weekly": [[["10:00", "18:00"]]] * 5 + [[], []], "closures": [], "special_days": []}
WS_ACCEPTED = Outcome(101)
WS_REFUSED = Outcome(403)

ROWS: list[Row] = [
    # auth
    # A login drops the session the caller presents, and costs an argon2 hash: two callers.
    Row("POST /api/auth/login", everyone(UNAUTHORIZED), wrong_login, "wrong password",
        sample=(ANONYMOUS, GUEST_B)),
    Row("POST /api/auth/login", everyone(OK), right_login, "own account",
        sample=(ANONYMOUS, GUEST_B)),
    Row("POST /api/auth/logout", staff_only(ok(204), foreign=ok(204)), own_fresh_session,
        sample=(ANONYMOUS, GUEST_A, GUEST_B, AGENT_A)),
    Row("GET /api/auth/me", STAFF_ANSWER),
    # One's own password and second factor: nobody else's can be named.
    Row("POST /api/auth/password", staff_only(FORBIDDEN, foreign=FORBIDDEN),
        simple({"current_password": "not-the-password-1", "new_password": "a-new-long-passphrase"}),
        "wrong current password"),
    Row("GET /api/auth/two-factor", STAFF_ANSWER),
    # Before any set-up there is nothing to confirm (and a wrong code changes nothing).
    Row("POST /api/auth/two-factor/confirm", staff_only(CONFLICT, foreign=CONFLICT),
        simple({"code": "000000"})),
    Row("POST /api/auth/two-factor/setup", STAFF_ANSWER),
    Row("POST /api/auth/two-factor/disable", staff_only(ok(204), foreign=ok(204)),
        simple({"password": PASSWORD})),
    # A second login step needs the challenge a correct password gave: a made-up one is 401.
    Row("POST /api/auth/login/totp", everyone(UNAUTHORIZED),
        simple({"challenge": "made-up-challenge", "code": "123456"})),
    Row("POST /api/auth/login/totp/setup", everyone(UNAUTHORIZED),
        simple({"challenge": "made-up-challenge"})),
    Row("PUT /api/admin/two-factor", ADMIN_ANSWER, simple({"required": False})),
    Row("DELETE /api/staff/{staff_id}/two-factor", admin_only(ok(204)), staff_a2_only),
    Row("GET /api/admin/embed", ADMIN_ANSWER),
    Row("PUT /api/admin/embed", ADMIN_ANSWER, simple({"origins": []})),
    # satisfaction ratings (issue 19)
    Row("GET /api/admin/csat", ADMIN_ANSWER),
    Row("PUT /api/admin/csat", ADMIN_ANSWER, simple({"enabled": True})),
    Row("GET /api/admin/queue", ADMIN_ANSWER),
    Row("PUT /api/admin/queue", ADMIN_ANSWER, simple({"queue_when_busy": True})),
    # business hours (issue 16)
    Row("GET /api/admin/hours", ADMIN_ANSWER),
    Row("PUT /api/admin/hours", ADMIN_ANSWER, simple(HOURS)),
    Row("POST /api/admin/hours/preview", ADMIN_ANSWER, simple(HOURS)),
    Row("PATCH /api/auth/me", STAFF_ANSWER, sound_off),
    # staff (A1)
    Row("GET /api/staff", STAFF_ANSWER),
    Row("POST /api/staff", admin_only(ok(201), foreign=own(201)), new_staff),
    Row("PATCH /api/staff/{staff_id}", admin_only(OK), staff_a2),
    # conversations, guests, files (console)
    Row("GET /api/conversations/{conversation_id}/messages", staff_only(OK), conversation_a),
    Row("POST /api/conversations/{conversation_id}/files",
        staff_only(ok(201), admin=FORBIDDEN), chat_file),  # the assigned agent only
    Row("POST /api/conversations/{conversation_id}/transcript", staff_only(ok(202)),
        conversation_a_transcript),  # issue 19: admins and agents of the store
    Row("GET /api/guests", STAFF_ANSWER),
    Row("GET /api/guests/{guest_id}", staff_only(OK), guest_a),
    Row("PATCH /api/guests/{guest_id}", staff_only(OK), guest_a_notes),
    Row("GET /api/guests/{guest_id}/pageviews", staff_only(OK), guest_a),
    # message search (issue 19): store A's guest as a filter; other stores get 404
    Row("GET /api/search/messages", staff_only(OK), search_guest_a),
    Row("POST /api/guests/{guest_id}/messages", staff_only(ok(201)), guest_a2_reply),
    Row("GET /api/canned-responses", STAFF_ANSWER),
    Row("POST /api/canned-responses", staff_only(ok(201), foreign=own(201)),
        simple({"title": "お礼", "text": "ありがとうございます"})),
    Row("PATCH /api/canned-responses/{canned_id}", staff_only(OK, agent=FORBIDDEN),
        store_canned, "store-wide"),
    Row("PATCH /api/canned-responses/{canned_id}", staff_only(OK, admin=NOT_FOUND),
        agents_canned, "the agent's own"),
    Row("DELETE /api/canned-responses/{canned_id}", staff_only(ok(204), agent=FORBIDDEN),
        store_canned, "store-wide"),
    Row("DELETE /api/canned-responses/{canned_id}", staff_only(ok(204), admin=NOT_FOUND),
        agents_canned, "the agent's own"),
    Row("GET /api/stamps", STAFF_ANSWER),
    # Japan Post's public data: any signed-in staff member (issue 16)
    Row("GET /api/postal-codes", staff_only(OK, foreign=OK), simple(params={"code": "100-0001"})),
    # admin menu (A2–A6)
    Row("GET /api/admin/screen", ADMIN_ANSWER),
    Row("PUT /api/admin/buttons/{status}", ADMIN_ANSWER, put_button),
    Row("DELETE /api/admin/buttons/{status}", ADMIN_ANSWER, away_button),
    Row("PATCH /api/admin/theme", ADMIN_ANSWER, simple({"header_bg": "#224466"})),
    Row("PUT /api/admin/logo", ADMIN_ANSWER,
        simple(files={"file": ("logo.png", picture(200, 60), "image/png")})),
    Row("DELETE /api/admin/logo", ADMIN_ANSWER),
    Row("GET /api/admin/fields", ADMIN_ANSWER),
    Row("POST /api/admin/fields", admin_only(ok(201), foreign=own(201)),
        simple({"label": "電話番号"})),
    Row("PUT /api/admin/fields/order", admin_only(OK, foreign=CONFLICT), field_order),
    Row("PATCH /api/admin/fields/{field_id}", admin_only(OK), fresh_field),
    Row("DELETE /api/admin/fields/{field_id}", admin_only(ok(204)), fresh_field),
    Row("GET /api/admin/stamps", ADMIN_ANSWER),
    Row("POST /api/admin/stamps", admin_only(ok(201), foreign=own(201)), new_stamp),
    Row("PATCH /api/admin/stamps/{stamp_id}", admin_only(OK), stamp_off),
    Row("PUT /api/admin/stamps/{stamp_id}/image", admin_only(OK), stamp_picture),
    Row("DELETE /api/admin/stamps/{stamp_id}", admin_only(ok(204)), fresh_stamp),
    Row("GET /api/stats", ADMIN_ANSWER, simple(params=RANGE)),
    Row("GET /api/stats.csv", ADMIN_ANSWER, simple(params=RANGE)),
    # mail outbox (issue 7)
    Row("GET /api/outbox", ADMIN_ANSWER),
    Row("POST /api/outbox/{mail_id}/retry", admin_only(OK), failed_mail),
    Row("POST /api/outbox/{mail_id}/discard", admin_only(OK), failed_mail),
    # the widget: public, by the store's key; a guest is its token
    Row("GET /api/widget/{key}/config", everyone(OK), key_a),
    Row("GET /api/widget/{key}/config", everyone(NOT_FOUND), unknown_key, "unknown key"),
    Row("GET /api/widget/{key}/postal-codes", everyone(OK), postal_on_a),
    Row("GET /api/widget/{key}/postal-codes", everyone(NOT_FOUND), postal_on_unknown_key,
        "unknown key"),
    Row("GET /api/widget/{key}/status", everyone(ok(check=unread_of_own_guest)), status_a),
    Row("GET /api/widget/{key}/status", everyone(NOT_FOUND), unknown_key, "unknown key"),
    Row("POST /api/widget/{key}/status", everyone(ok(check=unread_of_own_guest)), status_post_a),
    Row("POST /api/widget/{key}/status", everyone(NOT_FOUND), unknown_key, "unknown key"),
    Row("POST /api/widget/{key}/visit", everyone(ok(check=same_guest_only)), visit_a),
    Row("POST /api/widget/{key}/mail-link", everyone(ok(check=linked_to_a)), link_a),
    Row("POST /api/widget/{key}/mail-link", everyone(NOT_FOUND), link_on_b,
        "another store's key"),
    Row("POST /api/widget/{key}/mail-link", everyone(NOT_FOUND), link_other_guest,
        "another guest's conversation"),
    Row("GET /files/{upload_id}", everyone(OK), upload_a),
    Row("GET /files/{upload_id}", everyone(NOT_FOUND), unknown_upload, "unknown id"),
    # sockets (the frames each side may send: test_frames.py)
    Row("WS /ws/guest", everyone(WS_ACCEPTED)),
    Row("WS /ws/guest", everyone(Outcome(101, "not_found")), unknown_key, "unknown key"),
    Row("WS /ws/staff", {**everyone(WS_REFUSED), **dict.fromkeys(STAFF_ROLES, WS_ACCEPTED)}),
    Row("WS /ws/staff", everyone(WS_REFUSED), simple(params={"origin": "https://evil.example"}),
        "foreign Origin"),
    # pages, ops, docs
    Row("GET /", everyone(ok(307))),
    Row("GET /console/", everyone(OK)),
    Row("GET /admin/", everyone(OK)),
    Row("GET /widget/panel", everyone(OK)),
    Row("GET /widget.js", everyone(OK)),
    Row("MOUNT /static", everyone(OK), a_static_file, optional=True),
    Row("GET /healthz", everyone(OK)),
    Row("GET /livez", everyone(OK)),
    Row("GET /readyz", everyone(OK)),
    Row("GET /metrics", everyone(NOT_FOUND)),  # the matrix's settings have no metrics token
    # The API's description is for signed-in staff of any store: it holds no data.
    Row("GET /api/openapi.json", staff_only(OK, foreign=OK)),
    Row("GET /api/docs", staff_only(OK, foreign=OK)),
    Row("GET /api/docs/init.js", staff_only(OK, foreign=OK)),
    Row("GET /api/docs/{name}", staff_only(OK, foreign=OK),
        simple_path({"name": "swagger-ui.css"})),
    Row("GET /api/docs/{name}", staff_only(NOT_FOUND, foreign=NOT_FOUND),
        simple_path({"name": "secret_key"}), "not one of its files"),
    # API tokens (issue 17): the admin menu makes and revokes them
    Row("GET /api/admin/tokens", ADMIN_ANSWER),
    Row("POST /api/admin/tokens", admin_only(ok(201), foreign=own(201)), new_token),
    Row("POST /api/admin/tokens/{token_id}/revoke", admin_only(OK), fresh_token),
    # webhooks (issue 17): the admin menu's endpoints and their delivery log
    Row("GET /api/admin/webhooks", ADMIN_ANSWER),
    Row("POST /api/admin/webhooks", admin_only(ok(201), foreign=own(201)), new_webhook),
    Row("PATCH /api/admin/webhooks/{webhook_id}", admin_only(OK), webhook_patch),
    Row("DELETE /api/admin/webhooks/{webhook_id}", admin_only(ok(204)), fresh_webhook),
    Row("GET /api/admin/webhooks/{webhook_id}/deliveries", admin_only(OK), fresh_webhook),
    Row("POST /api/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", admin_only(OK),
        failed_delivery),
    # the audit log (issue 17): the store's own admins read it; another store's sees its own
    Row("GET /api/admin/audit", ADMIN_ANSWER),
    Row("GET /api/admin/audit.csv", ADMIN_ANSWER),
    # privacy requests and retention (issue 17): the store's own admins, its own guests
    Row("POST /api/admin/guests/{guest_id}/export", admin_only(OK), guest_a),
    Row("POST /api/admin/guests/{guest_id}/erase", admin_only(OK), fresh_guest_a),
    Row("GET /api/admin/retention", ADMIN_ANSWER),
    Row("PUT /api/admin/retention", ADMIN_ANSWER, simple({"retention_days": None})),
    # The REST API takes API tokens only, never a cookie (tokens × routes: test_tokens.py).
    *[Row(route, everyone(UNAUTHORIZED), make) for route, make in (
        ("GET /api/v1/conversations", conversations_of_a),
        ("GET /api/v1/conversations/{conversation_id}", v1_conversation_a),
        ("GET /api/v1/conversations/{conversation_id}/messages", v1_conversation_a),
        ("POST /api/v1/conversations/{conversation_id}/end", v1_end),
        ("GET /api/v1/guests", None),
        ("GET /api/v1/guests/{guest_id}", v1_guest_a),
        ("PATCH /api/v1/guests/{guest_id}", v1_guest_a_notes),
    )],
]


CASES = [(row, role) for row in ROWS for role in row.sample]


def test_every_route_has_a_row(matrix_settings: Settings) -> None:
    """A route without a row, or a row of a route that is gone, fails here by name."""
    routes = route_keys(matrix_settings)
    rows = {row.route for row in ROWS}
    missing = sorted(routes - rows)
    stale = sorted(r.route for r in ROWS if r.route not in routes and not r.optional)
    assert (missing, stale) == ([], []), (
        f"routes with no row in tests/security/test_routes.py: {missing}; "
        f"rows naming routes the app no longer has: {stale}")


def test_every_row_names_each_role_once() -> None:
    for row in ROWS:
        assert set(row.expect) == set(ROLES), row.name


def test_public_routes_are_the_allow_list() -> None:
    """Anonymous callers get anything but 401 only on routes listed (with a reason) in PUBLIC."""
    open_to_anyone = {row.route for row in ROWS
                      if row.expect[ANONYMOUS].status not in (401, 403)}
    assert sorted(open_to_anyone - set(PUBLIC)) == []
    assert sorted(set(PUBLIC) - open_to_anyone) == []


@pytest.mark.asyncio(loop_scope="package")
@pytest.mark.parametrize(("row", "role"), CASES,
                         ids=[f"{row.name} | {role}" for row, role in CASES])
async def test_matrix(world: World, row: Row, role: str,
                      server_errors: Callable[[], list[str]]) -> None:
    await _run(world, row, role)
    assert server_errors() == []


async def _run(world: World, row: Row, role: str) -> None:
    case = Case(world, role)
    req = await (row.make or no_params)(case)
    expected = row.expect[role]
    if row.route.startswith("WS "):
        await _socket(world, row, role, req, expected)
        return
    if row.route.startswith("MOUNT ") and not STATIC.is_dir():
        pytest.skip("the front end is not built")
    db = world.database()
    before = await fingerprint(db) if expected.refused else ""
    response = await _call(world, row, role, req)
    _assert_outcome(response, expected, world, role)
    if expected.refused:
        assert await fingerprint(db) == before, "a refused call changed stored data"
    if row.route == "POST /api/outbox/{mail_id}/retry" and not expected.refused:
        await _sender_done(db, req.path_params["mail_id"])
    if row.route.endswith("/transcript") and not expected.refused:
        await _all_sent(db)  # issue 19: the queued transcript leaves `pending` first


SAFE = {"GET", "HEAD", "OPTIONS", "WS", "MOUNT"}
CSRF_CASES = [(row, next(r for r in (ADMIN_A, AGENT_A) if not row.expect[r].refused))
              for row in ROWS
              if row.route.split(" ")[0] not in SAFE and row.expect[ANONYMOUS] == UNAUTHORIZED
              and any(not row.expect[r].refused for r in (ADMIN_A, AGENT_A))]


@pytest.mark.asyncio(loop_scope="package")
@pytest.mark.parametrize(("row", "role"), CSRF_CASES,
                         ids=[f"{row.name} | {role}" for row, role in CSRF_CASES])
async def test_write_with_a_wrong_csrf_token_is_403(
        world: World, row: Row, role: str, server_errors: Callable[[], list[str]]) -> None:
    """Every session call that changes something needs the session's own CSRF token."""
    req = await (row.make or no_params)(Case(world, role))
    db = world.database()
    before = await fingerprint(db)
    response = await _call(world, row, role, req, csrf="wrong")
    _assert_outcome(response, FORBIDDEN, world, role)
    assert await fingerprint(db) == before
    assert server_errors() == []


async def _call(world: World, row: Row, role: str, req: Req,
                csrf: str | None = None) -> httpx.Response:
    method, template = row.route.split(" ", 1)
    path = template.format(**req.path_params) + req.suffix
    if method == "MOUNT":
        method = "GET"
    kwargs: dict[str, Any] = {"params": req.params or None, "json": req.json,
                              "files": req.files, "data": req.data}
    if req.session is None and not req.isolated and csrf is None:
        return await world.client(role).request(method, path, **kwargs)
    async with world.new_client(role) as c:
        if req.session is not None:
            c.cookies.set("chats_session", req.session[0])
            c.headers["X-CSRF-Token"] = req.session[1]
        if csrf is not None:
            c.headers["X-CSRF-Token"] = csrf
        return await c.request(method, path, **kwargs)


def _assert_outcome(response: httpx.Response, expected: Outcome, world: World,
                    role: str) -> None:
    assert response.status_code == expected.status, response.text[:500]
    if expected.code is not None:
        assert error_code(response) == expected.code, response.text[:500]
    if expected.own_only:
        leaked = [i for i in world.a_ids if i in response.text]
        assert not leaked, f"store A's ids in another store's answer: {leaked}"
    if expected.check is not None:
        expected.check(response, world, role)


async def _sender_done(db: Any, mail_id: str) -> None:
    """Wait until the retried mail left `pending`, so later rows see still data."""
    async def settled() -> bool:
        async with db.read() as session:
            mail = await session.get(MailOutbox, mail_id)
            return mail is not None and mail.status != "pending"
    await wait_for(settled, timeout=10)


async def _all_sent(db: Any) -> None:
    """Wait until no mail is pending, so later rows see still data."""
    async def settled() -> bool:
        async with db.read() as session:
            pending = await session.scalar(select(MailOutbox.id).where(
                MailOutbox.status == "pending").limit(1))
            return pending is None
    await wait_for(settled, timeout=10)


async def _socket(world: World, row: Row, role: str, req: Req, expected: Outcome) -> None:
    """Open the socket as `role`: refused at the handshake, or accepted and answered."""
    session = world.sessions.get(role)
    guest = world.guests.get(role)
    cookie = session.cookie if session else (guest.token if guest else None)
    origin = req.params.get("origin", world.url)
    try:
        ws = await connect(f"{world.ws_url}{row.route.split(' ', 1)[1]}", origin=origin,  # type: ignore[arg-type]
                           additional_headers={"Cookie": f"chats_session={cookie}"}
                           if cookie else None)
    except InvalidStatus as exc:
        assert exc.response.status_code == expected.status
        return
    async with ws:
        assert expected.status == 101, "the handshake should have been refused"
        hello: dict[str, Any] = {"type": "hello"}
        if row.route == "WS /ws/guest":
            hello["store"] = req.path_params.get("key", world.a.widget_key)
        await ws.send(json.dumps(hello))
        first = json.loads(await ws.recv(decode=True))
        if expected.code is None:
            assert first["type"] == "welcome", first
        else:
            assert (first["type"], first["code"]) == ("error", expected.code), first

