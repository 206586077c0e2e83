"""A5 counters stay exact when many guests open the form at once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from chats.db.engine import Database
from chats.db.models import DailyStat
from tests.factories import StoreInfo
from tests.realtime.clients import Guest, Staff
from tests.servers import ThreadServer


async def test_concurrent_form_shown_are_all_counted(server: ThreadServer, db: Database,
                                                     store: StoreInfo) -> None:
    guests = [await Guest.connect(server.ws_url, store.widget_key) for _ in range(12)]
    await asyncio.gather(*[g.send({"type": "form_shown"}) for g in guests])
    # A round trip per socket: once its bad frame is answered, its form_shown was handled.
    await asyncio.gather(*[g.send({"type": "?"}) for g in guests])
    await asyncio.gather(*[g.expect("error") for g in guests])
    staff = await Staff.connect(server.url, server.ws_url, store.admin_login)
    for g in guests[:3]:
        cid = (await g.start())["id"]
        await staff.claim(cid)
    async with db.read() as session:
        row = await session.scalar(select(DailyStat).where(DailyStat.store_id == store.store_id))
    assert row is not None
    assert (row.forms_shown, row.forms_executed) == (12, 3)
    for g in guests:
        await g.close()
    await staff.close()
