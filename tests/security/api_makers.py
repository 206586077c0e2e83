"""What the REST API's rows (/api/v1, API tokens; issue 17) call with: store A's ids, fresh
objects where the owner's call consumes them."""

from __future__ import annotations

from chats.db.models import Conversation, WebhookDelivery
from chats.domain.webhooks import DeliveryStatus
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


# Webhooks (issue 17 item 3). A global address literal: the matrix's settings allow no
# private one, and no name needs resolving.
WEBHOOK_URL = "https://93.184.215.14/hook"


async def new_webhook(_case: Case) -> Req:
    return Req(json={"url": WEBHOOK_URL, "events": ["guest.blacklisted"]})


async def fresh_webhook(case: Case) -> Req:
    """A new endpoint of store A (removing it consumes it)."""
    r = await case.world.client(ADMIN_A).post(
        "/api/admin/webhooks", json={"url": WEBHOOK_URL, "events": ["guest.blacklisted"]})
    assert r.status_code == 201, r.text
    case.world.a_ids.add(r.json()["id"])
    return Req({"webhook_id": r.json()["id"]})


async def webhook_patch(case: Case) -> Req:
    made = await fresh_webhook(case)
    return Req(made.path_params, json={"events": ["conversation.ended"]})


async def failed_delivery(case: Case) -> Req:
    """A failed delivery of a new endpoint of store A ("send again" consumes it)."""
    made = await fresh_webhook(case)
    hook_id = made.path_params["webhook_id"]
    async with case.world.database().write() as session:
        row = WebhookDelivery(store_id=case.world.a.store_id, webhook_id=hook_id,
                              event="guest.blacklisted", subject_id=hook_id, body="{}",
                              status=DeliveryStatus.FAILED)
        session.add(row)
        await session.commit()
        delivery_id = row.id
    case.world.a_ids.add(delivery_id)
    return Req({"webhook_id": hook_id, "delivery_id": delivery_id})
