"""Test data made through the real service actions (keyword-only, sensible defaults)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from chats.db.engine import Database
from chats.services import staff as staff_service

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


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
    async with db.write() as session:
        store = await staff_service.create_store(session, name=name or f"Store {n}")
        admin = await staff_service.create_staff(
            session, store_id=store.id, login_id=admin_login, password=password,
            name=f"Admin {n}", role="admin", max_chats=3,
        )
        await session.commit()
        return StoreInfo(store.id, store.widget_key, admin.id, admin_login)


async def create_staff(db: Database, *, store_id: str, login_id: str | None = None,
                       password: str = PASSWORD, name: str | None = None, role: str = "agent",
                       max_chats: int = 3) -> str:
    """A staff member; returns its id."""
    n = next(_seq)
    async with db.write() as session:
        staff = await staff_service.create_staff(
            session, store_id=store_id, login_id=login_id or f"agent{n}", password=password,
            name=name or f"Agent {n}", role=role, max_chats=max_chats,
        )
        await session.commit()
        return staff.id
