"""Issue 13: two-factor login (TOTP, RFC 6238) with one-time recovery codes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pyotp
import pytest

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import PASSWORD, StoreInfo, create_staff, create_store
from tests.servers import Site

TARO = {"login_id": "taro", "password": PASSWORD}


def code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows now (or one step later: a code not used yet)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


async def turn_on(c: httpx.AsyncClient) -> tuple[str, list[str]]:
    """Enrol the logged-in client's staff member; its secret and recovery codes."""
    r = await c.post("/api/auth/two-factor/setup")
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    r = await c.post("/api/auth/two-factor/confirm", json={"code": code(secret)})
    assert r.status_code == 200, r.text
    return secret, r.json()["recovery_codes"]


async def challenge(c: httpx.AsyncClient, kind: str = "totp") -> str:
    r = await c.post("/api/auth/login", json=TARO)
    assert r.status_code == 200, r.text
    assert r.json()["second_factor"] == kind
    assert "chats_session" not in r.cookies
    return str(r.json()["challenge"])


@pytest.fixture
async def store(db: Database, web: Site) -> StoreInfo:
    store = await create_store(db, name="茶房みどり")
    await create_staff(db, store_id=store.store_id, login_id="taro")
    return store


@pytest.fixture
async def taro(store: StoreInfo, web: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with web.client() as c:
        await login(c, "taro")
        yield c


@pytest.fixture
async def anon(web: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with web.client() as c:
        yield c


async def test_turn_on_then_login_asks_for_a_code(taro: httpx.AsyncClient,
                                                  anon: httpx.AsyncClient) -> None:
    assert (await taro.get("/api/auth/two-factor")).json() == {
        "enabled": False, "required": False, "recovery_codes_left": 0}
    r = await taro.post("/api/auth/two-factor/setup")
    enrolment = r.json()
    assert enrolment["uri"].startswith("otpauth://totp/")
    assert enrolment["qr_svg"].startswith("data:image/svg+xml")
    r = await taro.post("/api/auth/two-factor/confirm", json={"code": "000000"})
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("確認コードが違います。")
    first = code(enrolment["secret"])
    r = await taro.post("/api/auth/two-factor/confirm", json={"code": first})
    codes = r.json()["recovery_codes"]
    assert len(set(codes)) == 10
    assert (await taro.get("/api/auth/two-factor")).json()["recovery_codes_left"] == 10
    assert (await taro.get("/api/auth/me")).json()["staff"]["two_factor"] is True

    token = await challenge(anon)
    assert (await anon.get("/api/auth/me")).status_code == 401
    r = await anon.post("/api/auth/login/totp", json={"challenge": token, "code": "123456"},
                        headers={"Accept-Language": "en"})
    assert r.status_code == 401
    assert r.json()["error"]["message"].startswith("Wrong code.")
    # The code already used to confirm is never accepted again (RFC 6238 §5.2).
    r = await anon.post("/api/auth/login/totp", json={"challenge": token, "code": first})
    assert r.status_code == 401
    r = await anon.post("/api/auth/login/totp",
                        json={"challenge": token, "code": code(enrolment["secret"], 1)})
    assert r.status_code == 200, r.text
    assert r.json()["staff"]["login_id"] == "taro" and r.json()["recovery_codes"] is None
    assert (await anon.get("/api/auth/me")).status_code == 200
    # A challenge is good for one session.
    r = await anon.post("/api/auth/login/totp", json={"challenge": token, "code": codes[0]})
    assert r.json()["error"]["code"] == "unauthorized"


async def test_recovery_codes_work_once(taro: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    _secret, codes = await turn_on(taro)
    r = await anon.post("/api/auth/login/totp",
                        json={"challenge": await challenge(anon), "code": codes[3].upper()})
    assert r.status_code == 200, r.text
    r = await anon.post("/api/auth/login/totp",
                        json={"challenge": await challenge(anon), "code": codes[3]})
    assert r.status_code == 401
    assert r.json()["error"]["message"].startswith("確認コードが違います。")
    assert (await taro.get("/api/auth/two-factor")).json()["recovery_codes_left"] == 9


async def test_codes_are_throttled(taro: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    _secret, codes = await turn_on(taro)
    for _ in range(2):  # five tries per challenge, ten per staff member
        token = await challenge(anon)
        for _ in range(5):
            r = await anon.post("/api/auth/login/totp", json={"challenge": token, "code": "999999"})
            assert r.status_code == 401
        r = await anon.post("/api/auth/login/totp", json={"challenge": token, "code": codes[0]})
        assert r.status_code == 401
        assert r.json()["error"]["message"].startswith("ログインの有効期限が切れました。")
    r = await anon.post("/api/auth/login/totp",
                        json={"challenge": await challenge(anon), "code": codes[0]})
    assert r.status_code == 429  # even a good code waits now
    r = await anon.post("/api/auth/login/totp", json={"challenge": "made-up", "code": "123456"},
                        headers={"Accept-Language": "en"})
    assert r.json()["error"]["message"] == (
        "This login has expired. Please enter your login ID and password again.")


async def test_a_store_can_require_it(store: StoreInfo, taro: httpx.AsyncClient,
                                      anon: httpx.AsyncClient, web: Site) -> None:
    async with web.client() as admin:
        await login(admin, store.admin_login)
        r = await admin.put("/api/admin/two-factor", json={"required": True})
        assert r.status_code == 200 and r.json()["required"] is True
    token = await challenge(anon, "setup")
    enrolment = (await anon.post("/api/auth/login/totp/setup", json={"challenge": token})).json()
    r = await anon.post("/api/auth/login/totp", json={"challenge": token, "code": "000000"})
    assert r.status_code == 401
    r = await anon.post("/api/auth/login/totp",
                        json={"challenge": token, "code": code(enrolment["secret"])})
    assert r.status_code == 200, r.text
    assert len(r.json()["recovery_codes"]) == 10
    anon.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    assert (await anon.get("/api/auth/two-factor")).json() == {
        "enabled": True, "required": True, "recovery_codes_left": 10}
    r = await anon.post("/api/auth/two-factor/disable", json={"password": PASSWORD})
    assert r.status_code == 409
    assert r.json()["error"]["message"].startswith("この店舗では2段階認証が必須")


async def test_turning_off_needs_the_password(taro: httpx.AsyncClient,
                                              anon: httpx.AsyncClient) -> None:
    await turn_on(taro)
    r = await taro.post("/api/auth/two-factor/disable", json={"password": "not-my-password"})
    assert r.status_code == 403
    assert (await taro.get("/api/auth/two-factor")).json()["enabled"] is True
    r = await taro.post("/api/auth/two-factor/disable", json={"password": PASSWORD})
    assert r.status_code == 204
    r = await anon.post("/api/auth/login", json=TARO)
    assert "csrf_token" in r.json()


async def test_an_admin_resets_a_members_second_factor(
    store: StoreInfo, taro: httpx.AsyncClient, anon: httpx.AsyncClient, web: Site,
    db: Database,
) -> None:
    await turn_on(taro)
    taro_id = (await taro.get("/api/auth/me")).json()["staff"]["id"]
    other = await create_store(db)
    async with web.client() as admin:
        await login(admin, other.admin_login)
        assert (await admin.delete(f"/api/staff/{taro_id}/two-factor")).status_code == 404
        await login(admin, store.admin_login)
        listed = {s["login_id"]: s for s in (await admin.get("/api/staff")).json()["staff"]}
        assert listed["taro"]["two_factor"] is True
        assert (await admin.delete(f"/api/staff/{taro_id}/two-factor")).status_code == 204
    r = await anon.post("/api/auth/login", json=TARO)
    assert "csrf_token" in r.json()
    assert (await taro.get("/api/auth/two-factor")).json()["enabled"] is False
