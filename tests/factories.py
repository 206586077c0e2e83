"""Test data made through the real service actions (keyword-only, sensible defaults)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

from chats.db.engine import Database
from chats.services import staff as staff_service

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"
_password_hash: list[staff_service.HashedPassword] = []


async def _password(password: str) -> str | staff_service.HashedPassword:
    """PASSWORD's argon2 hash, made once per run (each hash is ~0.5 s of CPU); any other
    password goes to the service as it is, to be checked and hashed there."""
    if password != PASSWORD:
        return password
    if not _password_hash:
        _password_hash.append(await staff_service.prepare_password(PASSWORD))
    return _password_hash[0]


@dataclass
class StoreInfo:
    store_id: str
    widget_key: str
    admin_id: str
    admin_login: str


async def create_store(db: Database, *, name: str | None = None, admin_login: str | None = None,
                       password: str = PASSWORD) -> StoreInfo:
    """A store with one admin."""
    n = next(_seq)
    admin_login = admin_login or f"admin{n}"
    hashed = await _password(password)
    async with db.write() as session:
        store = await staff_service.create_store(session, name=name or f"Store {n}")
        admin = await staff_service.create_staff(
            session, store_id=store.id, login_id=admin_login, password=hashed,
            name=f"Admin {n}", role="admin", max_chats=3,
        )
        await session.commit()
        return StoreInfo(store.id, store.widget_key, admin.id, admin_login)


async def create_staff(db: Database, *, store_id: str, login_id: str | None = None,
                       password: str = PASSWORD, name: str | None = None, role: str = "agent",
                       max_chats: int = 3) -> str:
    """A staff member; returns its id."""
    n = next(_seq)
    hashed = await _password(password)
    async with db.write() as session:
        staff = await staff_service.create_staff(
            session, store_id=store_id, login_id=login_id or f"agent{n}", password=hashed,
            name=name or f"Agent {n}", role=role, max_chats=max_chats,
        )
        await session.commit()
        return staff.id


async def give_production_hash(db: Database, staff_id: str, password: str = PASSWORD) -> None:
    """Store the password hashed at production's argon2 cost (argon2-cffi's defaults, which
    are CHATS's): for tests whose point is the time a check takes. The suite's own hashes
    are made at OWASP's cheapest cost (tests/servers.py TEST_HASH_COST)."""
    from argon2 import PasswordHasher

    from chats.db.models import Staff

    production = PasswordHasher().hash(password)
    async with db.write() as session:
        row = await session.get(Staff, staff_id)
        assert row is not None
        row.password_hash = production
        await session.commit()


async def create_guest(db: Database, *, store_id: str, nickname: str | None = None,
                       profile: dict[str, str] | None = None) -> str:
    """A guest of the store (as if identified by a visit); returns its id."""
    from chats.db.models import Guest
    from chats.ids import new_token, token_hash

    async with db.write() as session:
        guest = Guest(store_id=store_id, token_hash=token_hash(new_token()), nickname=nickname,
                      profile=dict(profile or {}))
        session.add(guest)
        await session.commit()
        return guest.id


async def create_past_conversation(
    db: Database, *, store_id: str, guest_id: str, created_at: datetime,
    claimed_at: datetime | None = None, first_response_at: datetime | None = None,
    staff_id: str | None = None, end_reason: str | None = "staff_ended", kind: str = "chat",
) -> str:
    """A finished conversation with the given times, for statistics (A5); returns its id."""
    from chats.db.models import Conversation

    async with db.write() as session:
        conversation = Conversation(
            store_id=store_id, guest_id=guest_id, staff_id=staff_id, kind=kind, status="ended",
            created_at=created_at, claimed_at=claimed_at, first_response_at=first_response_at,
            ended_at=first_response_at or claimed_at or created_at, end_reason=end_reason,
        )
        session.add(conversation)
        await session.commit()
        return conversation.id


async def set_daily_stat(db: Database, *, store_id: str, day: date, forms_shown: int = 0,
                         forms_executed: int = 0) -> None:
    """The A5 form counters of one store and day."""
    from chats.db.models import DailyStat

    async with db.write() as session:
        session.add(DailyStat(store_id=store_id, day=day, forms_shown=forms_shown,
                              forms_executed=forms_executed))
        await session.commit()
