"""The admin menu's list of sites that may embed the widget (issue 12); admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from chats.api.deps import Ctx, CurrentAdmin, Who
from chats.api.schemas import StrictBody
from chats.domain.origins import MAX_EMBED_ORIGINS, MAX_ORIGIN_CHARS
from chats.services import embed as embed_service

router = APIRouter(prefix="/api/admin", tags=["admin"])


class EmbedSettings(BaseModel):
    """The sites (`scheme://host[:port]`) that may embed the widget; empty means any site."""

    origins: list[str]


class EmbedIn(StrictBody):
    # Hard caps only: the service refuses a bad origin or too many with a message that
    # names the problem.
    origins: list[Annotated[str, Field(max_length=4 * MAX_ORIGIN_CHARS)]] = Field(
        max_length=4 * MAX_EMBED_ORIGINS)


@router.get("/embed", response_model=EmbedSettings)
async def get_embed(auth: CurrentAdmin, ctx: Ctx) -> EmbedSettings:
    """The store's sites that may embed the widget."""
    async with ctx.db.read() as session:
        origins = await embed_service.embed_origins(session, auth.store.id)
    return EmbedSettings(origins=origins)


@router.put("/embed", response_model=EmbedSettings)
async def put_embed(body: EmbedIn, auth: CurrentAdmin, who: Who, ctx: Ctx) -> EmbedSettings:
    """Replace the list (normalised to `scheme://host[:port]`; empty: any site)."""
    async with ctx.unit_of_work() as uow:
        origins = await embed_service.set_embed_origins(uow.session, who, store_id=auth.store.id,
                                                        origins=body.origins)
    return EmbedSettings(origins=origins)
