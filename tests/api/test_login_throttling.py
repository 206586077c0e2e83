"""Throttling slows outsiders down and never locks the owner out (issue 13, item 3)."""

from __future__ import annotations

import asyncio

import httpx

from chats.db.engine import Database
from chats.security import hash_slots
from tests.factories import PASSWORD, create_staff, create_store, give_production_hash
from tests.servers import Site

WRONG = "wrong-password-1"


async def _try(client: httpx.AsyncClient, login_id: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"login_id": login_id, "password": password})


async def _outsider_run(web: Site, login_id: str) -> list[httpx.Response]:
    """Four wrong passwords, then the right one at once, from a browser never logged in."""
    async with web.client() as outsider:
        answers = [await _try(outsider, login_id, WRONG) for _ in range(4)]
        answers.append(await _try(outsider, login_id, PASSWORD))
    return answers


async def test_failures_slow_down_known_and_unknown_ids_alike(
    web: Site, db: Database
) -> None:
    store = await create_store(db)
    known = await _outsider_run(web, store.admin_login)
    unknown = await _outsider_run(web, "nobody-by-that-name")
    for run in (known, unknown):
        assert [r.status_code for r in run] == [401, 401, 401, 401, 429]
        refused = run[-1]
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        assert "set-cookie" not in refused.headers
    # The same answers, whether the login ID exists or not.
    assert [r.json() for r in known] == [r.json() for r in unknown]


async def test_the_owner_on_a_known_device_is_not_refused_for_others_failures(
    web: Site, db: Database
) -> None:
    store = await create_store(db)
    async with web.client() as owner, web.client() as attacker:
        first = await _try(owner, store.admin_login, PASSWORD)
        assert first.status_code == 200
        cookie = first.cookies.get("chats_device")
        assert cookie and "httponly" in first.headers["set-cookie"].lower()
        # Same address: guesses on other IDs (the address's allowance), then on the owner's.
        for n in range(7):
            assert (await _try(attacker, f"guess-{n}", WRONG)).status_code == 401
        for _ in range(4):
            assert (await _try(attacker, store.admin_login, WRONG)).status_code == 401
        refused = await _try(attacker, store.admin_login, PASSWORD)
        assert refused.status_code == 429
        async with web.client(cookies={"chats_device": cookie[:-3] + "AAA"}) as forged:
            assert (await _try(forged, store.admin_login, PASSWORD)).status_code == 429
        # The owner's browser proves it logged in before: its correct password is accepted.
        again = await _try(owner, store.admin_login, PASSWORD)
        assert again.status_code == 200, again.text
        assert (await owner.get("/api/auth/me")).status_code == 200


async def test_a_known_device_of_another_login_id_proves_nothing(
    web: Site, db: Database
) -> None:
    mine = await create_store(db)
    other = await create_store(db)
    async with web.client() as browser:
        assert (await _try(browser, mine.admin_login, PASSWORD)).status_code == 200
        codes = [(await _try(browser, other.admin_login, WRONG)).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]


async def test_parallel_guesses_on_one_id_are_checked_one_at_a_time(
    web: Site, db: Database
) -> None:
    store = await create_store(db)
    # A check at production's cost (a tenth of a second): the burst arrives while it runs.
    await give_production_hash(db, store.admin_id)
    async with web.client(timeout=60) as outsider:
        burst = await asyncio.gather(*(_try(outsider, store.admin_login, WRONG)
                                       for _ in range(3)))
    # One is checked; the others are refused while it is, without costing a hash each.
    assert sorted(r.status_code for r in burst) == [401, 429, 429]


async def test_a_burst_of_logins_waits_its_turn_and_every_one_gets_in(
    web: Site, db: Database
) -> None:
    # A shift change: more staff than the login gate lets through at once. They queue
    # (before their reads, so the burst does not land on the event loop at once) and
    # every one gets a session of its own.
    store = await create_store(db)
    logins = [f"shift-{n}" for n in range(3 * (hash_slots() + 1))]
    for login_id in logins:
        await create_staff(db, store_id=store.store_id, login_id=login_id)

    async def one(login_id: str) -> tuple[int, str | None, int]:
        async with web.client() as browser:
            answer = await _try(browser, login_id, PASSWORD)
            me = await browser.get("/api/auth/me")
            return answer.status_code, answer.cookies.get("chats_session"), me.status_code

    results = await asyncio.gather(*(one(login_id) for login_id in logins))
    assert [(code, me) for code, _, me in results] == [(200, 200)] * len(logins)
    assert len({cookie for _, cookie, _ in results}) == len(logins)
