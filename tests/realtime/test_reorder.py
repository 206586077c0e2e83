"""Message frames that arrive swapped (two processes publish one conversation) are put back
in order without a database read; a gap that stays open is filled from the database."""

from __future__ import annotations

import asyncio
from typing import Any

from chats.events.audience import guest_channel
from chats.ids import new_id, utcnow
from chats.services import messages as ms
from tests.realtime.conftest import Chat
from tests.servers import ThreadServer


async def publish(server: ThreadServer, events: list[tuple[str, dict[str, Any]]]) -> None:
    """Publish through the server's own broker, on the server's event loop."""
    ctx = server.app.state.ctx
    assert server.server is not None
    loop = server.server.servers[0].get_loop()
    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(ctx.publish_all(events), loop))


def frame(chat: Chat, seq: int, text: str) -> dict[str, Any]:
    """A staff message frame of the chat that no database row backs."""
    return ms.message_frame(ms.StoredMessage(
        new_id(), chat.conversation_id, seq, None, text, "staff", "text", None, None, None,
        utcnow()))


async def test_swapped_frames_reach_the_guest_in_order(server: ThreadServer, chat: Chat) -> None:
    ack = await chat.guest.say("こんにちは")
    await chat.guest.expect("message", lambda f: f["seq"] == ack["seq"])
    channel = guest_channel(chat.guest.guest_id)
    after = ack["seq"]
    # These frames exist only on the broker: a database read could not produce them, so
    # receiving both proves the early one was held until its predecessor came.
    await publish(server, [(channel, frame(chat, after + 2, "second")),
                           (channel, frame(chat, after + 1, "first"))])
    first = await chat.guest.expect("message", lambda f: f["seq"] == after + 1)
    second = await chat.guest.expect("message", lambda f: f["seq"] == after + 2)
    assert (first["text"], second["text"]) == ("first", "second")
    seqs = [f["seq"] for f in chat.guest.messages(chat.conversation_id)]
    assert seqs == sorted(set(seqs))


async def test_a_gap_that_stays_open_is_read_from_the_database(server: ThreadServer,
                                                               chat: Chat) -> None:
    ack = await chat.guest.say("こんにちは")
    await chat.guest.expect("message", lambda f: f["seq"] == ack["seq"])
    db = server.app.state.ctx.db
    staff_id = chat.staff.welcome["staff"]["id"]
    # Stored, never published: only the database knows this one.
    stored = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(
        db.writer.run(ms.staff_send_job(
            staff_id=staff_id, store_id=chat.store.store_id,
            conversation_id=chat.conversation_id, client_msg_id="quiet", kind="text",
            text="only in the database", stamp=None)),
        server.server.servers[0].get_loop() if server.server else None))
    await publish(server, [(guest_channel(chat.guest.guest_id),
                            frame(chat, stored.seq + 1, "after the gap"))])
    filled = await chat.guest.expect("message", lambda f: f["seq"] == stored.seq)
    late = await chat.guest.expect("message", lambda f: f["seq"] == stored.seq + 1)
    assert filled["text"] == "only in the database" and filled["message_id"] == stored.id
    assert late["text"] == "after the gap"
