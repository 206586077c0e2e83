"""Issue 13: login IDs are unique per store and reveal nothing across stores."""

from __future__ import annotations

from chats.db.engine import Database
from tests.api.helpers import login
from tests.factories import PASSWORD, create_staff, create_store
from tests.servers import Site

TARO = {"login_id": "taro", "password": PASSWORD, "name": "太郎"}


async def test_two_stores_may_use_the_same_login_id(web: Site, db: Database) -> None:
    a, b = await create_store(db), await create_store(db)
    async with web.client() as admin_a, \
            web.client() as admin_b:
        await login(admin_a, a.admin_login)
        await login(admin_b, b.admin_login)
        assert (await admin_a.post("/api/staff", json=TARO)).status_code == 201
        # Store B learns nothing of store A's staff: the same ID is simply free in B.
        r = await admin_b.post("/api/staff", json=TARO)
        assert r.status_code == 201, r.text
        r = await admin_a.post("/api/staff", json=TARO)
        assert r.status_code == 409
        assert r.json()["error"]["message"] == "このログインIDはすでに使われています。"
        # And B's admin ID is not taken in A either.
        r = await admin_a.post("/api/staff", json={**TARO, "login_id": b.admin_login})
        assert r.status_code == 201


async def test_a_shared_login_id_needs_the_store_code(web: Site, db: Database) -> None:
    a, b = await create_store(db), await create_store(db)
    for store in (a, b):
        async with web.client() as admin:
            await login(admin, store.admin_login)
            assert (await admin.post("/api/staff", json=TARO)).status_code == 201
    async with web.client() as c:
        ambiguous = await c.post("/api/auth/login", json={"login_id": "taro", "password": PASSWORD})
        unknown = await c.post("/api/auth/login",
                               json={"login_id": "nobody-at-all", "password": PASSWORD})
        wrong = await c.post("/api/auth/login", json={"login_id": "taro", "password": PASSWORD,
                                                      "store": "no-such-store"})
        # The same answer as an unknown ID: nothing tells that two stores have a taro.
        assert ambiguous.status_code == unknown.status_code == wrong.status_code == 401
        assert ambiguous.json() == unknown.json() == wrong.json()
        assert "chats_session" not in ambiguous.cookies
        for store in (a, b):
            r = await c.post("/api/auth/login", json={"login_id": "taro", "password": PASSWORD,
                                                      "store": store.widget_key})
            assert r.status_code == 200, r.text
            assert r.json()["staff"]["store"]["id"] == store.store_id


async def test_a_unique_login_id_needs_no_store_code(web: Site, db: Database) -> None:
    a, b = await create_store(db), await create_store(db)
    async with web.client() as c:
        r = await c.post("/api/auth/login", json={"login_id": a.admin_login, "password": PASSWORD})
        assert r.status_code == 200
        r = await c.post("/api/auth/login", json={"login_id": a.admin_login, "password": PASSWORD,
                                                  "store": a.widget_key})
        assert r.status_code == 200
        # Another store's code: no such staff member there.
        r = await c.post("/api/auth/login", json={"login_id": a.admin_login, "password": PASSWORD,
                                                  "store": b.widget_key})
        assert r.status_code == 401
        assert r.json()["error"]["message"] == "ログインIDまたはパスワードが違います。"


async def _fail_four_times(web: Site, body: dict[str, str]) -> list[int]:
    async with web.client() as outsider:
        return [(await outsider.post("/api/auth/login",
                                     json={**body, "password": "wrong-password-1"})).status_code
                for _ in range(4)]


async def test_failures_on_one_stores_id_never_slow_another_stores_same_id(
        web: Site, db: Database) -> None:
    a, b = await create_store(db), await create_store(db)
    await create_staff(db, store_id=a.store_id, login_id="hanako")
    await create_staff(db, store_id=b.store_id, login_id="hanako")
    # Store B's hanako is guessed at until the counter makes the attempts wait …
    assert await _fail_four_times(web, {"login_id": "hanako", "store": b.widget_key}) \
        == [401, 401, 401, 401]
    async with web.client() as c:
        waits = await c.post("/api/auth/login", json={"login_id": "hanako", "password": PASSWORD,
                                                      "store": b.widget_key})
        assert waits.status_code == 429
        # … and store A's hanako, a stranger to that counter, logs in at once.
        r = await c.post("/api/auth/login", json={"login_id": "hanako", "password": PASSWORD,
                                                  "store": a.widget_key})
        assert r.status_code == 200
        assert r.json()["staff"]["store"]["id"] == a.store_id


async def test_one_account_has_one_counter_with_or_without_the_code(
        web: Site, db: Database) -> None:
    a = await create_store(db)
    await create_staff(db, store_id=a.store_id, login_id="only-here")
    # Guessed without the code (the ID is one store's only) …
    assert await _fail_four_times(web, {"login_id": "only-here"}) == [401, 401, 401, 401]
    async with web.client() as c:
        # … naming the store does not open a fresh allowance for the same account.
        r = await c.post("/api/auth/login", json={"login_id": "only-here", "password": PASSWORD,
                                                  "store": a.widget_key})
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
