"""Stamps (S4.4): the built-in set drawn for CHATS plus each store's own stamps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from chats.db.models import Stamp

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

BUILTIN_URL = "/static/stamps/{code}.svg"


@dataclass(frozen=True, slots=True)
class BuiltinStamp:
    """A stamp shipped with the front end (`frontend/public/stamps/{code}.svg`)."""

    code: str
    ja: str
    en: str


# The code is what travels on the wire (`stamp` field); the SVG draws the Japanese text.
BUILTIN: tuple[BuiltinStamp, ...] = (
    BuiltinStamp("thanks", "ありがとうございます", "Thank you"),
    BuiltinStamp("wait", "少々お待ちください", "One moment, please"),
    BuiltinStamp("understood", "承知しました", "Understood"),
    BuiltinStamp("hello", "こんにちは", "Hello"),
    BuiltinStamp("sorry", "申し訳ございません", "We are sorry"),
    BuiltinStamp("checking", "確認いたします", "Let me check"),
    BuiltinStamp("ok", "OKです", "OK"),
    BuiltinStamp("please", "よろしくお願いします", "Thank you in advance"),
    BuiltinStamp("welcome", "いらっしゃいませ", "Welcome"),
    BuiltinStamp("great", "いいですね", "Great"),
    BuiltinStamp("question", "ご質問どうぞ", "Ask us anything"),
    BuiltinStamp("bye", "またどうぞ", "See you again"),
)
BUILTIN_CODES = frozenset(s.code for s in BUILTIN)


@dataclass(frozen=True, slots=True)
class StampInfo:
    """One stamp as the console and the widget show it."""

    code: str
    label: str
    url: str
    builtin: bool


def builtin_stamps(locale: str) -> list[StampInfo]:
    """The built-in set, labelled in `locale`."""
    return [
        StampInfo(s.code, s.en if locale == "en" else s.ja, BUILTIN_URL.format(code=s.code), True)
        for s in BUILTIN
    ]


async def store_stamps(session: AsyncSession, store_id: str) -> list[Stamp]:
    """The store's own active stamps, in display order."""
    rows = await session.scalars(
        select(Stamp)
        .where(Stamp.store_id == store_id, Stamp.active.is_(True))
        .order_by(Stamp.position, Stamp.created_at)
    )
    return list(rows)


async def list_stamps(session: AsyncSession, store_id: str, locale: str) -> list[StampInfo]:
    """Built-in stamps first, then the store's own (a store code never hides a built-in one)."""
    found = builtin_stamps(locale)
    for stamp in await store_stamps(session, store_id):
        if stamp.code in BUILTIN_CODES or not stamp.upload_id:
            continue
        found.append(StampInfo(stamp.code, stamp.label, f"/files/{stamp.upload_id}?inline=1",
                               False))
    return found


async def is_known(session: AsyncSession, store_id: str, code: str) -> bool:
    """Whether `code` names a stamp this store can send (built-in or its own, active)."""
    if code in BUILTIN_CODES:
        return True
    found = await session.scalar(
        select(Stamp.id).where(Stamp.store_id == store_id, Stamp.code == code,
                               Stamp.active.is_(True))
    )
    return found is not None


async def stamp_url(session: AsyncSession, store_id: str, code: str) -> str | None:
    """Where a stamp's picture is, for message frames (None for an unknown code)."""
    if code in BUILTIN_CODES:
        return BUILTIN_URL.format(code=code)
    upload_id = await session.scalar(
        select(Stamp.upload_id).where(Stamp.store_id == store_id, Stamp.code == code)
    )
    return f"/files/{upload_id}?inline=1" if upload_id else None
