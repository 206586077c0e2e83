"""Business hours (issue 16): the store's state flips when its hours open and close.

Nobody acts at the boundary: the notifier's booked call does it. The clock is the
test's (`tests/clock.py`), moved by hand; nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chats.config import Settings
from chats.realtime.frames import GUEST_SERVER_FRAMES, STAFF_SERVER_FRAMES
from tests.api.helpers import login
from tests.clock import FakeClock
from tests.factories import StoreInfo
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer, http_client, wait_for

# Thursday 3 December 2026, 17:59 in Tokyo; the store closes at 18:00 and opens again on
# Friday at 10:00.
BEFORE_CLOSING = datetime(2026, 12, 3, 8, 59, tzinfo=UTC)
CLOSING = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OPENING = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
WEEKDAYS = {"enabled": True, "time_zone": "Asia/Tokyo", "holidays_closed": True,
            "weekly": [[["10:00", "18:00"]]] * 5 + [[], []], "closures": [], "special_days": []}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(BEFORE_CLOSING)


@pytest.fixture
def server(settings: Settings, clock: FakeClock) -> Iterator[ThreadServer]:
    srv = ThreadServer(settings, clock=clock).start()
    yield srv
    srv.stop()


async def visit(server: ThreadServer, store: StoreInfo) -> Any:
    async with http_client(base_url=server.url) as c:
        r = await c.post(f"/api/widget/{store.widget_key}/visit", json={"url": "https://shop/"})
        assert r.status_code == 200, r.text
        return r.json()


async def test_the_store_closes_and_opens_on_time(server: ThreadServer, store: StoreInfo,
                                                   clock: FakeClock) -> None:
    async with http_client(base_url=server.url) as admin:
        await login(admin, store.admin_login)
        r = await admin.put("/api/admin/hours", json=WEEKDAYS)
        assert r.status_code == 200, r.text
        assert r.json()["open_now"] is True
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest = await Guest.connect(server.ws_url, store.widget_key)
    assert guest.welcome["availability"] == "waiting"
    assert "opens_at" not in guest.welcome
    # The notifier booked a call for 18:00 (it looked at the store after the save).
    await wait_for(lambda: CLOSING in clock.pending())

    clock.move_to(CLOSING)
    away = await guest.expect("availability", lambda f: f["status"] == "away")
    assert away["opens_at"] == "2026-12-04T10:00+09:00"
    notice = await staff.expect("hours", lambda f: f["open"] is False)
    assert notice["opens_at"] == "2026-12-04T10:00+09:00"
    await wait_for(lambda: OPENING in clock.pending())
    assert (await visit(server, store))["availability"] == "away"
    # Staff are still online, and can still sign in: only guests see the store closed.
    late = await Staff.connect(server.url, server.ws_url, store.admin_login)
    await late.close()

    clock.move_to(OPENING)
    back = await guest.expect("availability", lambda f: f["status"] == "waiting")
    assert "opens_at" not in back
    await staff.expect("hours", lambda f: f["open"] is True and f["opens_at"] is None)
    await wait_for(lambda: datetime(2026, 12, 4, 9, 0, tzinfo=UTC) in clock.pending())
    for frame in guest.frames:
        GUEST_SERVER_FRAMES.validate_python(frame)
    for frame in staff.frames:
        STAFF_SERVER_FRAMES.validate_python(frame)
    await guest.close()
    await staff.close()


async def test_a_guest_arriving_after_hours_is_told_when_it_opens(
        server: ThreadServer, store: StoreInfo, clock: FakeClock) -> None:
    clock.move_to(CLOSING)
    async with http_client(base_url=server.url) as admin:
        await login(admin, store.admin_login)
        r = await admin.put("/api/admin/hours", json=WEEKDAYS)
        assert r.status_code == 200, r.text
        assert r.json()["open_now"] is False
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    guest = await Guest.connect(server.ws_url, store.widget_key)
    assert guest.welcome["availability"] == "away"
    assert guest.welcome["opens_at"] == "2026-12-04T10:00+09:00"
    # A chat cannot start; a message can still be left, and counts as out of hours.
    await guest.send({"type": "start", "nickname": "客", "fields": {}})
    refused = await guest.expect("error")
    assert refused["code"] == "unavailable"
    await guest.send({"type": "leave_message", "client_msg_id": "m1", "nickname": "客",
                      "text": "明日連絡ください"})
    await guest.expect("ack", lambda f: f["client_msg_id"] == "m1")
    async with http_client(base_url=server.url) as admin:
        await login(admin, store.admin_login)
        r = await admin.get("/api/stats", params={"from": "2026-12-01", "to": "2026-12-31"})
        assert r.status_code == 200, r.text
        assert r.json()["totals"]["left_out_of_hours"] == 1
    await guest.close()
    await staff.close()
