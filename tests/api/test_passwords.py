"""Issue 13: the password policy, one's own password change, argon2 upgrade on login."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from argon2 import PasswordHasher, extract_parameters
from pydantic import ValidationError
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import Staff as StaffRow
from chats.security import hash_password, needs_rehash, set_hash_cost, verify_password
from tests.api.helpers import login
from tests.factories import PASSWORD, StoreInfo, create_staff, create_store
from tests.realtime.clients import Staff
from tests.servers import TEST_HASH_COST, Site, ThreadServer, http_client

NEW_PASSWORD = "抹茶と煎茶のちがいを説明する"  # 15 characters, Japanese only


@pytest.fixture
async def store(db: Database, web: Site) -> StoreInfo:
    return await create_store(db, name="茶房みどり")


@pytest.fixture
async def admin(web: Site, store: StoreInfo) -> AsyncIterator[httpx.AsyncClient]:
    async with web.client() as c:
        await login(c, store.admin_login)
        yield c


async def closed_code(client: Staff) -> int | None:
    """Read frames until the server closes the socket; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await client.recv(timeout=5)
    return closed.value.rcvd.code if closed.value.rcvd else None


@pytest.mark.parametrize(("password", "ja", "en"), [
    ("12345678", "12文字以上", "at least 12 characters"),
    (" " * 8, "12文字以上", "at least 12 characters"),
    ("a          b", "12文字以上", "at least 12 characters"),  # a run of spaces counts once
    ("password1234", "よく使われて", "too common"),
    ("qwertyuiop[]", "よく使われて", "too common"),
    ("hanako-hanako-hanako", "よく使われて", "too common"),  # the login ID, repeated
])
async def test_weak_passwords_are_refused(admin: httpx.AsyncClient, password: str, ja: str,
                                          en: str) -> None:
    body = {"login_id": "hanako", "password": password, "name": "花子"}
    before = (await admin.get("/api/staff")).json()["staff"]
    r = await admin.post("/api/staff", json=body)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_frame"
    assert ja in r.json()["error"]["message"]
    r = await admin.post("/api/staff", json=body, headers={"Accept-Language": "en"})
    assert en in r.json()["error"]["message"]
    assert (await admin.get("/api/staff")).json()["staff"] == before


async def test_long_japanese_passwords_are_accepted(admin: httpx.AsyncClient,
                                                    web: Site) -> None:
    r = await admin.post("/api/staff", json={"login_id": "hanako", "password": NEW_PASSWORD})
    assert r.status_code == 201, r.text
    async with web.client(timeout=30) as c:
        await login(c, "hanako", NEW_PASSWORD)


async def test_an_admin_reset_follows_the_policy(admin: httpx.AsyncClient, db: Database,
                                                 store: StoreInfo, web: Site) -> None:
    agent_id = await create_staff(db, store_id=store.store_id, login_id="taro")
    r = await admin.patch(f"/api/staff/{agent_id}", json={"password": "12345678"})
    assert r.status_code == 400
    async with web.client(timeout=30) as c:
        await login(c, "taro")  # unchanged


async def test_own_password_change_ends_the_other_sessions(
    db: Database, store: StoreInfo, server: ThreadServer
) -> None:
    await create_staff(db, store_id=store.store_id, login_id="taro")
    async with http_client(base_url=server.url, timeout=30) as here, \
            http_client(base_url=server.url, timeout=30) as elsewhere:
        await login(here, "taro")
        await login(elsewhere, "taro")
        mine = await Staff.connect(server.url, server.ws_url, "taro",
                                   cookie=here.cookies["chats_session"])
        theirs = await Staff.connect(server.url, server.ws_url, "taro",
                                     cookie=elsewhere.cookies["chats_session"])
        r = await here.post("/api/auth/password",
                            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        assert r.status_code == 204, r.text
        assert await closed_code(theirs) == 1008
        assert (await elsewhere.get("/api/auth/me")).status_code == 401
        assert (await here.get("/api/auth/me")).status_code == 200
        # This session's socket stays: it still answers.
        await mine.send({"type": "read", "conversation_id": "nope", "seq": 1})
        assert (await mine.expect("error"))["code"] == "not_found"
        await mine.close()
    async with http_client(base_url=server.url, timeout=30) as c:
        r = await c.post("/api/auth/login", json={"login_id": "taro", "password": PASSWORD})
        assert r.status_code == 401
        await login(c, "taro", NEW_PASSWORD)


async def test_own_password_change_needs_the_current_one(
    db: Database, store: StoreInfo, web: Site
) -> None:
    await create_staff(db, store_id=store.store_id, login_id="taro")
    async with web.client(timeout=30) as c:
        await login(c, "taro")
        r = await c.post("/api/auth/password",
                         json={"current_password": "wrong-password!", "new_password": NEW_PASSWORD})
        assert r.status_code == 403
        assert r.json()["error"]["message"] == "現在のパスワードが違います。"
        r = await c.post("/api/auth/password", headers={"Accept-Language": "en"},
                         json={"current_password": PASSWORD, "new_password": "12345678"})
        assert r.status_code == 400
        assert "at least 12 characters" in r.json()["error"]["message"]
        for _ in range(4):
            await c.post("/api/auth/password",
                         json={"current_password": "wrong-again!!", "new_password": NEW_PASSWORD})
        r = await c.post("/api/auth/password",
                         json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        assert r.status_code == 429  # five wrong ones: a pause, even for the right one
        assert (await c.get("/api/auth/me")).status_code == 200
    async with web.client(timeout=30) as c:
        await login(c, "taro")  # nothing changed


async def test_own_password_change_needs_a_session_and_csrf(web: Site, db: Database,
                                                            store: StoreInfo) -> None:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    async with web.client(timeout=30) as c:
        assert (await c.post("/api/auth/password", json=body)).status_code == 401
        await login(c, store.admin_login)
        del c.headers["X-CSRF-Token"]
        assert (await c.post("/api/auth/password", json=body)).status_code == 403


def test_default_hash_cost_is_64_mib_three_passes() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.password_hash_memory_kib, settings.password_hash_iterations) == (65536, 3)


@pytest.mark.parametrize(("memory_kib", "iterations"), [(4096, 20), (8192, 4), (19456, 1),
                                                        (65536, 0)])
def test_settings_refuse_a_hash_cost_under_owasps_floor(memory_kib: int,
                                                        iterations: int) -> None:
    with pytest.raises(ValidationError):
        Settings(password_hash_memory_kib=memory_kib,  # type: ignore[call-arg]
                 password_hash_iterations=iterations, _env_file=None)


@pytest.mark.parametrize(("memory_kib", "iterations"), [(47104, 1), (19456, 2), (7168, 5)])
def test_owasps_own_choices_are_accepted(memory_kib: int, iterations: int) -> None:
    Settings(password_hash_memory_kib=memory_kib,  # type: ignore[call-arg]
             password_hash_iterations=iterations, _env_file=None)


def test_hashes_name_the_cost_in_force_and_older_ones_need_redoing() -> None:
    try:
        set_hash_cost(19456, 2)
        made = hash_password(PASSWORD)
        assert extract_parameters(made).memory_cost == 19456
        assert extract_parameters(made).time_cost == 2
        assert not needs_rehash(made)
        set_hash_cost(65536, 3)
        assert needs_rehash(made)
        assert verify_password(made, PASSWORD)  # still checked with its own parameters
        assert not verify_password(made, PASSWORD + "x")
    finally:
        set_hash_cost(TEST_HASH_COST["password_hash_memory_kib"],
                      TEST_HASH_COST["password_hash_iterations"])


async def test_login_upgrades_old_argon2_parameters(db: Database, store: StoreInfo,
                                                    web: Site) -> None:
    staff_id = await create_staff(db, store_id=store.store_id, login_id="taro")
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with db.write() as session:
        row = await session.get(StaffRow, staff_id)
        assert row is not None
        row.password_hash = old
        await session.commit()
    async with web.client(timeout=30) as c:
        await login(c, "taro")
    async with db.read() as session:
        upgraded = await session.scalar(select(StaffRow.password_hash)
                                        .where(StaffRow.id == staff_id))
    assert upgraded is not None and upgraded != old and not needs_rehash(upgraded)
    async with web.client(timeout=30) as c:
        await login(c, "taro")
