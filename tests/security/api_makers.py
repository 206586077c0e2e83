"""What the REST API's rows (/api/v1, API tokens; issue 17) call with: store A's ids, fresh
objects where the owner's call consumes them."""

from __future__ import annotations

from chats.db.models import Conversation
from tests.factories import create_guest
from tests.security.matrix import Case, Req
from tests.security.world import ADMIN_A, GUEST_A, World, unique

# The token roles of test_tokens.py.
READ_A = "read token of A"
WRITE_A = "write token of A"
WRITE_B = "write token of B"
REVOKED_A = "revoked token of A"
COOKIE_A = "A's write token as a cookie"
QUERY_A = "A's write token in the query string"


async def fresh_token(case: Case) -> Req:
    """A live read token of store A (revoking consumes it)."""
    r = await case.world.client(ADMIN_A).post("/api/admin/tokens",
                                              json={"name": unique("token-")})
    assert r.status_code == 201, r.text
    return Req({"token_id": r.json()["id"]})


async def new_token(_case: Case) -> Req:
    return Req(json={"name": unique("CRM-"), "scope": "write"})


async def conversations_of_a(case: Case) -> Req:
    """The list, filtered by store A's guest: only the store's own tokens see it."""
    return Req(params={"guest_id": case.world.guests[GUEST_A].guest_id})


async def v1_conversation_a(case: Case) -> Req:
    return Req({"conversation_id": case.world.conversation_a})


async def v1_guest_a(case: Case) -> Req:
    return Req({"guest_id": case.world.guests[GUEST_A].guest_id})


async def v1_guest_a_notes(case: Case) -> Req:
    return Req({"guest_id": case.world.guests[GUEST_A].guest_id},
               json={"notes": unique("API のメモ ")})


async def waiting_conversation(world: World) -> str:
    """A new waiting conversation of a new guest of store A (ending one consumes it)."""
    db = world.database()
    guest_id = await create_guest(db, store_id=world.a.store_id, nickname="ゲストZ")
    async with db.write() as session:
        row = Conversation(store_id=world.a.store_id, guest_id=guest_id, nickname="ゲストZ")
        session.add(row)
        await session.commit()
        conversation_id = row.id
    world.a_ids |= {guest_id, conversation_id}
    return conversation_id


async def v1_end(case: Case) -> Req:
    """The one caller that may end it gets a fresh chat; the others reach for A's live one
    (their refusal must leave it as it was), so no open chat is left over for later tests."""
    if case.role == WRITE_A:
        return Req({"conversation_id": await waiting_conversation(case.world)})
    return Req({"conversation_id": case.world.conversation_a})
