"""`chats demo` keeps its published passwords out of a real installation's database."""

from __future__ import annotations

import json

from sqlalchemy import select

from chats.config import Settings
from chats.db.engine import Database
from chats.db.models import Staff
from tests.factories import create_store
from tests.ops.helpers import chats_command
from tests.servers import env_for


async def test_demo_refuses_a_database_with_other_stores(settings: Settings,
                                                         db: Database) -> None:
    store = await create_store(db, name="本物の店")
    code, _, err = await chats_command(env_for(settings), "demo", "--port", "1",
                                       "--shop-port", "2")
    message = json.loads(err)["error"]["message"]
    assert code == 1 and "本物の店" in message and "database of its own" in message
    async with db.read() as session:
        logins = set(await session.scalars(select(Staff.login_id)))
    assert logins == {store.admin_login}
