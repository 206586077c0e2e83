"""The send path's write jobs (prebuilt statements, raw SQLite in the writer thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from chats.db.engine import Database
from chats.db.hot import sqlite_value
from chats.db.models import Conversation, Guest, Message
from chats.errors import ChatsError
from chats.ids import utcnow
from chats.services import messages as ms
from tests.factories import create_guest, create_staff, create_store


async def _active_conversation(db: Database) -> tuple[str, str, str, str]:
    """(store_id, staff_id, guest_id, conversation_id) of a chat assigned to a staff member."""
    store = await create_store(db)
    staff_id = await create_staff(db, store_id=store.store_id)
    guest_id = await create_guest(db, store_id=store.store_id)
    async with db.write() as session:
        conversation = Conversation(store_id=store.store_id, guest_id=guest_id, status="active",
                                    kind="chat", staff_id=staff_id, created_at=utcnow())
        session.add(conversation)
        await session.commit()
        return store.store_id, staff_id, guest_id, conversation.id


def _staff_job(store_id: str, staff_id: str, cid: str, client_msg_id: str | None,
               body: str = "reply") -> Callable[[Connection], ms.StoredMessage]:
    return ms.staff_send_job(staff_id=staff_id, store_id=store_id, conversation_id=cid,
                             client_msg_id=client_msg_id, kind="text", text=body, stamp=None)


async def test_sends_store_rows_the_orm_reads_back_unchanged(db: Database) -> None:
    store_id, staff_id, guest_id, cid = await _active_conversation(db)
    first = await db.writer.run(ms.guest_send_job(guest_id, "g1", "こんにちは"))
    second = await db.writer.run(_staff_job(store_id, staff_id, cid, "s1", "いらっしゃいませ"))
    assert (first.seq, second.seq) == (1, 2)
    assert first.assigned_staff_id == staff_id and second.guest_id == guest_id
    async with db.read() as session:
        rows = list(await session.scalars(
            select(Message).where(Message.conversation_id == cid).order_by(Message.seq)))
        conversation = await session.get(Conversation, cid)
        guest = await session.get(Guest, guest_id)
    assert [(m.author, m.text, m.client_msg_id) for m in rows] == [
        ("guest", "こんにちは", "g1"), ("staff", "いらっしゃいませ", "s1")]
    # Times written by the raw path read back through UTCDateTime as the same instants.
    assert [m.created_at for m in rows] == [first.created_at, second.created_at]
    assert conversation is not None and conversation.last_seq == 2
    assert conversation.first_response_at == second.created_at
    assert guest is not None and guest.last_contact_at == first.created_at


async def test_a_repeated_client_msg_id_is_an_ack_and_takes_no_seq(db: Database) -> None:
    store_id, staff_id, guest_id, cid = await _active_conversation(db)
    original = await db.writer.run(ms.guest_send_job(guest_id, "same", "once"))
    with pytest.raises(ms.DuplicateMessage) as dup:
        await db.writer.run(ms.guest_send_job(guest_id, "same", "twice"))
    assert dup.value.message.id == original.id and dup.value.message.text == "once"
    staff_original = await db.writer.run(_staff_job(store_id, staff_id, cid, "s"))
    with pytest.raises(ms.DuplicateMessage) as staff_dup:
        await db.writer.run(_staff_job(store_id, staff_id, cid, "s", "again"))
    assert staff_dup.value.message.id == staff_original.id
    following = await db.writer.run(ms.guest_send_job(guest_id, "next", "after"))
    assert following.seq == 3  # the refused repeats consumed nothing
    async with db.read() as session:
        conversation = await session.get(Conversation, cid)
        count = len(list(await session.scalars(
            select(Message.id).where(Message.conversation_id == cid))))
    assert conversation is not None and conversation.last_seq == 3 and count == 3


async def test_concurrent_sends_get_consecutive_seqs(db: Database) -> None:
    store_id, staff_id, guest_id, cid = await _active_conversation(db)
    jobs = [ms.run_send(db.writer, ms.guest_send_job(guest_id, f"g{i}", f"{i}"))
            for i in range(20)]
    jobs += [ms.run_send(db.writer, _staff_job(store_id, staff_id, cid, f"s{i}"))
             for i in range(20)]
    stored = await asyncio.gather(*jobs)
    assert sorted(m.seq for m in stored) == list(range(1, 41))


async def test_staff_refusals(db: Database) -> None:
    store_id, staff_id, guest_id, cid = await _active_conversation(db)
    sent = await db.writer.run(_staff_job(store_id, staff_id, cid, "before"))
    other = await create_staff(db, store_id=store_id)
    with pytest.raises(ChatsError) as forbidden:
        await db.writer.run(_staff_job(store_id, other, cid, "x"))
    assert forbidden.value.code == "forbidden"
    elsewhere = await create_store(db)
    with pytest.raises(ChatsError) as missing:
        await db.writer.run(_staff_job(elsewhere.store_id, staff_id, cid, "x"))
    assert missing.value.code == "not_found"
    async with db.write() as session:
        conversation = await session.get(Conversation, cid)
        assert conversation is not None
        conversation.status = "ended"
        await session.commit()
    # A repeat of a message sent before the chat ended is still acked, not refused.
    with pytest.raises(ms.DuplicateMessage) as dup:
        await db.writer.run(_staff_job(store_id, staff_id, cid, "before"))
    assert dup.value.message.id == sent.id
    with pytest.raises(ChatsError) as ended:
        await db.writer.run(_staff_job(store_id, staff_id, cid, "new"))
    assert ended.value.code == "forbidden"
    with pytest.raises(ChatsError) as no_conversation:
        await db.writer.run(ms.guest_send_job(guest_id, "late", "x"))
    assert no_conversation.value.code == "not_found"


async def test_raw_sqlite_times_match_what_sqlalchemy_stores(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the raw path is SQLite's")
    _store_id, _staff_id, guest_id, _cid = await _active_conversation(db)
    moment = datetime(2026, 11, 24, 21, 5, 9, 120034, tzinfo=UTC)
    async with db.write() as session:
        guest = await session.get(Guest, guest_id)
        assert guest is not None
        guest.last_seen_at = moment
        await session.commit()
        stored = (await session.execute(
            text("SELECT last_seen_at FROM guests WHERE id = :id"), {"id": guest_id})).scalar()
    assert stored == sqlite_value(moment)
    assert sqlite_value(moment.replace(microsecond=0)) == "2026-11-24 21:05:09.000000"


async def test_a_failing_job_leaves_nothing_and_spares_its_batch(db: Database) -> None:
    _store_id, _staff_id, guest_id, cid = await _active_conversation(db)

    def half_done(conn: Connection) -> None:
        conn.execute(text("UPDATE conversations SET last_seq = last_seq + 100 WHERE id = :id"),
                     {"id": cid})
        raise ChatsError("conflict")

    jobs: list[Awaitable[object]] = []
    for i in range(30):
        jobs.append(db.writer.run(ms.guest_send_job(guest_id, f"g{i}", "x")))
        jobs.append(db.writer.run(half_done))
    outcomes = await asyncio.gather(*jobs, return_exceptions=True)
    sent = [o for o in outcomes if isinstance(o, ms.StoredMessage)]
    failed = [o for o in outcomes if isinstance(o, ChatsError)]
    assert len(sent) == 30 and len(failed) == 30
    assert sorted(m.seq for m in sent) == list(range(1, 31))
    async with db.read() as session:
        conversation = await session.get(Conversation, cid)
    assert conversation is not None and conversation.last_seq == 30


async def test_racing_repeats_store_once_and_all_get_the_same_ack(db: Database) -> None:
    store_id, staff_id, guest_id, cid = await _active_conversation(db)
    for attempt in range(3):
        guest_sends = [ms.run_send(db.writer, ms.guest_send_job(guest_id, f"g{attempt}", "x"))
                       for _ in range(8)]
        staff_sends = [ms.run_send(db.writer, _staff_job(store_id, staff_id, cid, f"s{attempt}"))
                       for _ in range(8)]
        outcomes = await asyncio.gather(*guest_sends, *staff_sends, return_exceptions=True)
        for group in (outcomes[:8], outcomes[8:]):
            stored = [o for o in group if isinstance(o, ms.StoredMessage)]
            repeats = [o.message for o in group if isinstance(o, ms.DuplicateMessage)]
            assert len(stored) == 1 and len(repeats) == 7, group
            assert {m.id for m in repeats} == {stored[0].id}
    async with db.read() as session:
        conversation = await session.get(Conversation, cid)
        seqs = sorted(await session.scalars(
            select(Message.seq).where(Message.conversation_id == cid)))
    assert seqs == list(range(1, 7))  # no seq taken by a repeat: no gap
    assert conversation is not None and conversation.last_seq == 6
