"""The admin menu's API tokens: create (shown once), list, revoke (issue 17 item 1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from chats.api.deps import Ctx, CurrentAdmin, Who
from chats.api.schemas import StrictBody
from chats.db.models import ApiToken
from chats.services import api_tokens

router = APIRouter(prefix="/api/admin/tokens", tags=["api tokens"])


class TokenIn(StrictBody):
    name: str = Field(min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"


class TokenOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


class TokenList(BaseModel):
    tokens: list[TokenOut]


def token_out(row: ApiToken) -> TokenOut:
    """A token as the admin sees it (never the secret)."""
    return TokenOut(id=row.id, name=row.name, scopes=api_tokens.scopes_of(row), hint=row.hint,
                    created_at=row.created_at, last_used_at=row.last_used_at,
                    revoked_at=row.revoked_at)


@router.get("", response_model=TokenList)
async def list_tokens(auth: CurrentAdmin, ctx: Ctx) -> TokenList:
    """The store's tokens, live ones first."""
    async with ctx.db.read() as session:
        rows = await api_tokens.list_tokens(session, auth.store.id)
    return TokenList(tokens=[token_out(r) for r in rows])


@router.post("", response_model=TokenCreated, status_code=201)
async def create_token(body: TokenIn, auth: CurrentAdmin, who: Who, ctx: Ctx) -> TokenCreated:
    """A new token; the answer is the only time its value is shown."""
    async with ctx.unit_of_work() as uow:
        row, secret = await api_tokens.create(uow.session, who, store_id=auth.store.id,
                                              staff_id=auth.staff.id, name=body.name,
                                              write=body.scope == "write")
        out = token_out(row)
    return TokenCreated(**out.model_dump(), token=secret)


@router.post("/{token_id}/revoke", response_model=TokenOut)
async def revoke_token(token_id: str, auth: CurrentAdmin, who: Who, ctx: Ctx) -> TokenOut:
    """Revoke a token: every later call with it is refused."""
    async with ctx.unit_of_work() as uow:
        row = await api_tokens.revoke(uow.session, who, store_id=auth.store.id,
                                      token_id=token_id)
        return token_out(row)
